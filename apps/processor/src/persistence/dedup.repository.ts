import { Inject, Injectable } from '@nestjs/common';
import type { Claim, ClaimCandidate, Decision } from '@dedup/core';
import { DataSource, type EntityManager } from 'typeorm';

/** What the DLQ keeps of a poison record besides its decision: the original bytes and headers. */
export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

interface ClaimRow {
  dedup_key: string;
  event_id: string;
  origin_topic: string;
  origin_partition: number;
  origin_offset: string;
  first_seen_at: Date;
}

/** One Postgres transaction per batch: claims, audit rows, DLQ rows and rollups commit together. */
export interface BatchTransaction {
  /** Claims the candidates' keys; returns the winning claim of every candidate key. */
  claim(candidates: readonly ClaimCandidate[]): Promise<Map<string, Claim>>;
  /** Writes the audit rows, DLQ rows and rollups of the batch's decisions. Idempotent per coordinates. */
  record(decisions: readonly Decision[], raw: ReadonlyMap<string, RawRecord>): Promise<void>;
}

@Injectable()
export class DedupRepository {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject('PIPELINE') private readonly pipeline: { readonly name: string; readonly version: string },
  ) {}

  async inTransaction<T>(work: (tx: BatchTransaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) =>
      work({
        claim: (candidates) => this.claim(manager, candidates),
        record: (decisions, raw) => this.record(manager, decisions, raw),
      }),
    );
  }

  /**
   * INSERT ... ON CONFLICT DO NOTHING decides who owns a key; Postgres is the arbiter, so two
   * partitions or instances can never both win. Keys are sorted so that concurrent batches take row
   * locks in the same order (no deadlock). A key inserted by a transaction that committed after this
   * statement's snapshot is invisible to the statement's own SELECT, so unresolved keys are read
   * again in a fresh statement (READ COMMITTED takes a new snapshot per statement).
   */
  private async claim(
    manager: EntityManager,
    candidates: readonly ClaimCandidate[],
  ): Promise<Map<string, Claim>> {
    const claims = new Map<string, Claim>();
    if (candidates.length === 0) return claims;
    const sorted = [...candidates].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows: ClaimRow[] = await manager.query(
      `WITH input AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::bigint[])
           WITH ORDINALITY AS t(dedup_key, event_id, origin_topic, origin_partition, origin_offset, event_time_ms, ord)
       ), inserted AS (
         INSERT INTO dedup_claim (pipeline, dedup_key, event_id, origin_topic, origin_partition, origin_offset, event_time)
         SELECT $1, dedup_key, event_id, origin_topic, origin_partition, origin_offset,
                to_timestamp(event_time_ms / 1000.0)
           FROM input ORDER BY ord
         ON CONFLICT ON CONSTRAINT pk_dedup_claim DO NOTHING
         RETURNING dedup_key, event_id, origin_topic, origin_partition, origin_offset::text, first_seen_at
       )
       SELECT * FROM inserted
       UNION ALL
       SELECT c.dedup_key, c.event_id, c.origin_topic, c.origin_partition, c.origin_offset::text, c.first_seen_at
         FROM dedup_claim c JOIN input i ON c.pipeline = $1 AND c.dedup_key = i.dedup_key
        WHERE NOT EXISTS (SELECT 1 FROM inserted x WHERE x.dedup_key = i.dedup_key)`,
      [
        this.pipeline.name,
        sorted.map((c) => c.key),
        sorted.map((c) => c.eventId),
        sorted.map((c) => c.origin.topic),
        sorted.map((c) => c.origin.partition),
        sorted.map((c) => c.origin.offset),
        sorted.map((c) => Math.trunc(c.eventTime)),
      ],
    );
    for (const row of rows) claims.set(row.dedup_key, toClaim(row));
    const missing = sorted.filter((c) => !claims.has(c.key)).map((c) => c.key);
    if (missing.length > 0) {
      const late: ClaimRow[] = await manager.query(
        `SELECT dedup_key, event_id, origin_topic, origin_partition, origin_offset::text, first_seen_at
           FROM dedup_claim WHERE pipeline = $1 AND dedup_key = ANY($2::text[])`,
        [this.pipeline.name, missing],
      );
      for (const row of late) claims.set(row.dedup_key, toClaim(row));
    }
    return claims;
  }

  /**
   * Audit rows insert ON CONFLICT DO NOTHING on their coordinates, and the rollups count only the
   * rows actually inserted, so a re-delivered batch neither duplicates audit rows nor inflates counts.
   */
  private async record(
    manager: EntityManager,
    decisions: readonly Decision[],
    raw: ReadonlyMap<string, RawRecord>,
  ): Promise<void> {
    if (decisions.length === 0) return;
    const audit = decisions.map((d) => auditRow(d));
    await manager.query(
      `WITH rows AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(
           source_topic text, source_partition int, source_offset bigint, event_id text, dedup_key text,
           outcome text, reason text, error_type text, first_topic text, first_partition int,
           first_offset bigint, first_seen_ms bigint, event_time_ms bigint)
       ), inserted AS (
         INSERT INTO event_audit (pipeline, pipeline_version, source_topic, source_partition, source_offset,
                                  event_id, dedup_key, outcome, reason, error_type, first_topic,
                                  first_partition, first_offset, first_seen_at, event_time)
         SELECT $1, $2, source_topic, source_partition, source_offset, event_id, dedup_key, outcome, reason,
                error_type, first_topic, first_partition, first_offset,
                to_timestamp(first_seen_ms / 1000.0), to_timestamp(event_time_ms / 1000.0)
           FROM rows
         ON CONFLICT ON CONSTRAINT uq_event_audit_coordinates DO NOTHING
         RETURNING source_partition, outcome, processed_at
       )
       INSERT INTO outcome_rollup (pipeline, minute, source_partition, outcome, count)
       SELECT $1, date_trunc('minute', processed_at), source_partition, outcome, count(*)
         FROM inserted GROUP BY 2, 3, 4
       ON CONFLICT ON CONSTRAINT pk_outcome_rollup DO UPDATE SET count = outcome_rollup.count + EXCLUDED.count`,
      [this.pipeline.name, this.pipeline.version, JSON.stringify(audit)],
    );
    const dlq = decisions.flatMap((d) => {
      if (d.outcome !== 'invalid') return [];
      const original = raw.get(coordKey(d.coords));
      return [
        {
          source_topic: d.coords.topic,
          source_partition: d.coords.partition,
          source_offset: d.coords.offset,
          original_key: original?.key?.toString('base64') ?? null,
          original_value: original?.value?.toString('base64') ?? null,
          original_headers: original?.headers ?? {},
          error_type: d.errorType,
          error_message: d.reason,
        },
      ];
    });
    if (dlq.length === 0) return;
    await manager.query(
      `INSERT INTO dlq_record (pipeline, pipeline_version, source_topic, source_partition, source_offset,
                               original_key, original_value, original_headers, error_type, error_message)
       SELECT $1, $2, source_topic, source_partition, source_offset, decode(original_key, 'base64'),
              decode(original_value, 'base64'), original_headers, error_type, error_message
         FROM jsonb_to_recordset($3::jsonb) AS r(source_topic text, source_partition int, source_offset bigint,
              original_key text, original_value text, original_headers jsonb, error_type text, error_message text)
       ON CONFLICT ON CONSTRAINT uq_dlq_record_coordinates DO NOTHING`,
      [this.pipeline.name, this.pipeline.version, JSON.stringify(dlq)],
    );
  }
}

export function coordKey(c: { topic: string; partition: number; offset: string }): string {
  return `${c.topic}\u0000${c.partition}\u0000${c.offset}`;
}

function toClaim(row: ClaimRow): Claim {
  return {
    key: row.dedup_key,
    eventId: row.event_id,
    origin: { topic: row.origin_topic, partition: row.origin_partition, offset: row.origin_offset },
    firstSeenAt: row.first_seen_at.getTime(),
  };
}

function auditRow(d: Decision) {
  const base = {
    source_topic: d.coords.topic,
    source_partition: d.coords.partition,
    source_offset: d.coords.offset,
  };
  switch (d.outcome) {
    case 'unique':
      return {
        ...base,
        outcome: d.outcome,
        event_id: d.record.event.event_id,
        dedup_key: d.key,
        event_time_ms: d.record.event.event_time,
      };
    case 'duplicate':
      return {
        ...base,
        outcome: d.outcome,
        event_id: d.record.event.event_id,
        dedup_key: d.key,
        event_time_ms: d.record.event.event_time,
        reason: `duplicate of ${d.first.origin.topic}/${d.first.origin.partition}@${d.first.origin.offset}`,
        first_topic: d.first.origin.topic,
        first_partition: d.first.origin.partition,
        first_offset: d.first.origin.offset,
        first_seen_ms: d.first.firstSeenAt,
      };
    case 'invalid':
      return { ...base, outcome: d.outcome, reason: d.reason, error_type: d.errorType };
  }
}
