import { Inject, Injectable } from '@nestjs/common';
import type { BloomStripe, KeyState, WatermarkSnapshot } from '@dedup/core';
import { isOutcome } from '@dedup/contracts';
import { DataSource } from 'typeorm';
import { pgText } from '../adapters/postgres/pg-text';
import {
  inPipelinedTransaction,
  PREPARED,
  type PipelinedSql,
} from '../adapters/postgres/pipelined-transaction';
import { coordKey, type DecisionRecord } from './pipeline/decision-record';

export { coordKey };
import {
  replayKey,
  type ReplayItemState,
  type ReplayOutcomeRow,
  type ReplayRef,
} from './pipeline/replay-records';

/** What the DLQ keeps of a poison record besides its decision: the original bytes and headers. */
export interface RawRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Another transaction inserted a state key this batch saw as absent. The batch's transaction rolls
 * back and is decided again; the key then exists and is locked like any other.
 */
export class ClaimConflict extends Error {
  constructor(readonly keys: readonly string[]) {
    super(`state keys claimed concurrently: ${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`);
  }
}

interface StateRow {
  dedup_key: string;
  strategy: string;
  event_id: string;
  origin_topic: string;
  origin_partition: number;
  origin_offset: string;
  first_event_ms: string;
  first_seen_ms: string;
  expires_ms: string;
}

interface AuditRow {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  event_id: string | null;
  dedup_keys: string[] | null;
  outcome: string;
  reason: string | null;
  error_type: string | null;
  matched_strategy: string | null;
  first_topic: string | null;
  first_partition: number | null;
  first_offset: string | null;
  first_seen_ms: string | null;
  event_time_ms: string | null;
  watermark_ms: string | null;
  lateness_ms: string | null;
  trace_id: string | null;
  record_hash: string | null;
  approximate: boolean;
}

interface StripeRow {
  block: number;
  generations: string[];
  bits: Buffer;
}

/** A recorded decision and the fingerprint of the bytes it was made for. */
export interface RecordedDecision {
  readonly decision: DecisionRecord;
  readonly recordHash: string | null;
}

/**
 * One Postgres transaction per round of batches (one batch per partition, docs/adr/0019), or per
 * batch: state, watermarks, audit rows, DLQ rows, rollups and progress.
 * Writes are sent with the next read or the COMMIT (docs/adr/0012): their errors, a claim's
 * ClaimConflict included, reject that read or `inTransaction`, not the write's own promise. Reads
 * asked for without awaiting each other share a round trip, in the order asked.
 */
export interface BatchTransaction {
  /** Highest offset of the partition with a recorded decision, or null. */
  progress(topic: string, partition: number): Promise<bigint | null>;
  /**
   * Bounds how long the statements asked for after this wait for a lock (SET LOCAL lock_timeout;
   * null: the session's setting again). A wait that runs out fails the transaction (55P03).
   */
  limitLockWait(ms: number | null): Promise<void>;
  /** Recorded decisions of re-delivered records, by offset. */
  recordedDecisions(
    topic: string,
    partition: number,
    offsets: readonly string[],
  ): Promise<Map<string, RecordedDecision>>;
  /** Loads and row-locks the existing states of these keys (absent keys are simply missing). */
  lockStates(stateKeys: readonly string[]): Promise<Map<string, KeyState>>;
  /** Writes changed states: updates the ones that existed, inserts new ones (ClaimConflict at commit if raced). */
  writeStates(changed: ReadonlyMap<string, KeyState>, existed: ReadonlySet<string>): Promise<void>;
  /** Approximate mode: loads and row-locks the Bloom stripes of these blocks (absent ones are empty). */
  lockStripes(layout: string, blocks: readonly number[]): Promise<Map<number, BloomStripe>>;
  /** Approximate mode: writes changed stripes like `writeStates` (ClaimConflict if a new one raced). */
  writeStripes(
    layout: string,
    changed: ReadonlyMap<number, BloomStripe>,
    existed: ReadonlySet<number>,
  ): Promise<void>;
  loadWatermarks(topic: string): Promise<WatermarkSnapshot>;
  saveWatermarks(topic: string, partition: number, snapshot: WatermarkSnapshot): Promise<void>;
  /**
   * Audit rows, DLQ rows and rollups of fresh decisions (of one or several partitions), with each
   * record's raw bytes and fingerprint (by coordKey). Idempotent per coordinates and bytes.
   * `progressOf` gives a partition's progress read at the start of this transaction (under the
   * partition's lock), or null when unknown: no audit row exists above it, so those rows are
   * inserted without the conflict check (see `record`).
   */
  record(
    decisions: readonly DecisionRecord[],
    raw: ReadonlyMap<string, RawRecord>,
    hashes: ReadonlyMap<string, string>,
    progressOf?: (topic: string, partition: number) => bigint | null,
    /** Replayed records (coordKey): a failure updates their own DLQ row (`recordReplays`), no new one. */
    replayed?: ReadonlySet<string>,
  ): Promise<void>;
  advanceProgress(topic: string, partition: number, lastOffset: string): Promise<void>;
  /** The run items these references name (absent: no such item), with their first decision. */
  replayItems(refs: readonly ReplayRef[]): Promise<Map<string, ReplayItemState>>;
  /**
   * The first decision of each run item (docs/adr/0009): recorded on the item, and the DLQ record
   * becomes `replayed`, or (failed again) `open` with one more attempt, `quarantined` at `maxAttempts`.
   * An item decided before is left alone, so this is idempotent.
   */
  recordReplays(rows: readonly ReplayOutcomeRow[], maxAttempts: number): Promise<void>;
}

const ms = (value: string | null): number | null => (value === null ? null : Number(value));

/**
 * A lateness (ms, > 0) as its bucket of the lateness rollup: ceil(16 · log2 ms)
 * (LATENESS_BUCKETS_PER_DOUBLING). In float8: numeric's log cost 12.6 µs a row (measured).
 */
const LATENESS_BUCKET_SQL = `ceil(16 * ln(lateness_ms::float8) / ln(2::float8))::smallint`;

/** The event_audit columns a batch writes, and the values for them from the `rows` of `record`. */
const AUDIT_COLUMNS = `pipeline, pipeline_version, source_topic, source_partition, source_offset, event_id, dedup_keys,
  dedup_key, outcome, reason, error_type, matched_strategy, first_topic, first_partition, first_offset,
  first_seen_at, event_time, watermark, lateness_ms, trace_id, record_hash, approximate`;
const AUDIT_VALUES = `$1, $2, source_topic, source_partition, source_offset, event_id, dedup_keys, dedup_keys[1],
  outcome, reason, error_type, matched_strategy, first_topic, first_partition, first_offset,
  to_timestamp(first_seen_ms / 1000.0), to_timestamp(event_time_ms / 1000.0),
  to_timestamp(watermark_ms / 1000.0), lateness_ms, trace_id, record_hash, approximate`;

/** The audit rows a batch decided, as `rows` (json_to_recordset of $3: one parse, one plan). */
const RECORD_ROWS_SQL = `rows AS (
    SELECT * FROM json_to_recordset($3::json) AS r(
      source_topic text, source_partition int, source_offset bigint, event_id text, dedup_keys text[],
      outcome text, reason text, error_type text, matched_strategy text, first_topic text,
      first_partition int, first_offset bigint, first_seen_ms bigint, event_time_ms bigint,
      watermark_ms bigint, lateness_ms bigint, trace_id text, record_hash text, approximate boolean,
      replayed boolean)
  )`;

/**
 * The rollups of the audit rows written (`written`): outcomes per minute and per 10 s, and the
 * lateness of records behind the watermark (replayed DLQ records, those `notReplayed` leaves out:
 * their lateness is the replay's delay). Every key starts with the input partition, so two
 * instances' transactions on other partitions never wait on one row. processed_at defaults to
 * now(), the transaction's start: the same minute as here.
 */
function rollupsSql(notReplayed: string): string {
  return `minute_counts AS (
    INSERT INTO outcome_rollup (pipeline, minute, source_partition, outcome, count)
    SELECT $1, date_trunc('minute', now()), source_partition, outcome, count(*) FROM written GROUP BY 3, 4
    ON CONFLICT ON CONSTRAINT pk_outcome_rollup DO UPDATE SET count = outcome_rollup.count + EXCLUDED.count
  ), ten_second_counts AS (
    INSERT INTO outcome_rollup_10s (pipeline, bucket, source_partition, outcome, count)
    SELECT $1, date_bin('10 seconds', now(), timestamptz 'epoch'), source_partition, outcome, count(*)
      FROM written GROUP BY 3, 4
    ON CONFLICT ON CONSTRAINT pk_outcome_rollup_10s DO UPDATE SET count = outcome_rollup_10s.count + EXCLUDED.count
  )
  INSERT INTO lateness_rollup (pipeline, minute, source_topic, source_partition, late, bucket, count)
  SELECT $1, date_trunc('minute', now()), source_topic, source_partition, late, ${LATENESS_BUCKET_SQL}, count(*)
    FROM (SELECT source_topic, source_partition, outcome = 'late' AS late, lateness_ms
            FROM written
           WHERE outcome IN ('unique', 'duplicate', 'late') AND ${notReplayed}) w
   WHERE lateness_ms > 0
   GROUP BY 3, 4, 5, 6
  ON CONFLICT ON CONSTRAINT pk_lateness_rollup DO UPDATE SET count = lateness_rollup.count + EXCLUDED.count`;
}

/**
 * Every record above its partition's progress (of any number of partitions): no audit row can exist
 * yet, a plain INSERT.
 */
const RECORD_FRESH_SQL = `WITH ${RECORD_ROWS_SQL}, fresh AS (
    INSERT INTO event_audit (${AUDIT_COLUMNS}) SELECT ${AUDIT_VALUES} FROM rows
  ), written AS (
    SELECT source_topic, source_partition, source_offset, outcome, lateness_ms, replayed FROM rows
  ), ${rollupsSql('NOT replayed')}`;

/**
 * One partition's records, some at or below its progress ($4), or none known: those may have a row.
 * One with the same bytes is kept (a re-delivery, already recorded); one with other bytes (the
 * topic was recreated) is replaced; only the rows written count. Under one snapshot: `redo`
 * sees the rows before `replaced` deletes them.
 */
const RECORD_REDECIDED_SQL = `WITH ${RECORD_ROWS_SQL}, fresh AS (
    INSERT INTO event_audit (${AUDIT_COLUMNS})
    SELECT ${AUDIT_VALUES} FROM rows WHERE $4::bigint IS NOT NULL AND source_offset > $4::bigint
  ), redo AS (
    SELECT * FROM rows r
     WHERE ($4::bigint IS NULL OR r.source_offset <= $4::bigint)
       AND NOT EXISTS (
         SELECT 1 FROM event_audit a
          WHERE a.pipeline = $1 AND a.source_topic = r.source_topic
            AND a.source_partition = r.source_partition AND a.source_offset = r.source_offset
            AND a.record_hash IS NOT DISTINCT FROM r.record_hash)
  ), replaced AS (
    DELETE FROM event_audit a USING redo r
     WHERE a.pipeline = $1 AND a.source_topic = r.source_topic
       AND a.source_partition = r.source_partition AND a.source_offset = r.source_offset
  ), redone AS (
    INSERT INTO event_audit (${AUDIT_COLUMNS}) SELECT ${AUDIT_VALUES} FROM redo
    RETURNING source_topic, source_partition, source_offset, outcome, lateness_ms
  ), written AS (
    SELECT source_topic, source_partition, source_offset, outcome, lateness_ms
      FROM rows WHERE $4::bigint IS NOT NULL AND source_offset > $4::bigint
    UNION ALL
    SELECT * FROM redone
  ), ${rollupsSql('source_offset <> ALL($5::bigint[])')}`;

@Injectable()
export class DedupRepository {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject('PIPELINE') private readonly pipeline: { readonly name: string; readonly version: string },
  ) {}

  /** Postgres answers (used to tell an outage from a poison record). */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /**
   * One transaction in as few round trips as its reads need (docs/adr/0012): writes travel with the
   * next read or the COMMIT, so a write's error (a claim's unique violation: ClaimConflict) comes from
   * there, not from the call that asked for it.
   */
  async inTransaction<T>(work: (tx: BatchTransaction) => Promise<T>): Promise<T> {
    const claimed: string[] = [];
    try {
      return await inPipelinedTransaction(this.dataSource, (m) =>
        work({
          progress: (topic, partition) => this.progress(m, topic, partition),
          limitLockWait: (ms) =>
            queued(() =>
              m.queue(
                ms === null
                  ? 'SET LOCAL lock_timeout TO DEFAULT'
                  : `SET LOCAL lock_timeout = ${Math.max(1, Math.round(ms))}`,
              ),
            ),
          recordedDecisions: (topic, partition, offsets) =>
            this.recordedDecisions(m, topic, partition, offsets),
          lockStates: (keys) => this.lockStates(m, keys),
          writeStates: (changed, existed) => queued(() => this.writeStates(m, changed, existed, claimed)),
          lockStripes: (layout, blocks) => this.lockStripes(m, layout, blocks),
          writeStripes: (layout, changed, existed) => this.writeStripes(m, layout, changed, existed),
          loadWatermarks: (topic) => this.loadWatermarks(m, topic),
          saveWatermarks: (topic, partition, snapshot) =>
            queued(() => this.saveWatermarks(m, topic, partition, snapshot)),
          record: (decisions, raw, hashes, progressOf = () => null, replayed = new Set()) =>
            queued(() => this.record(m, decisions, raw, hashes, progressOf, replayed)),
          advanceProgress: (topic, partition, lastOffset) =>
            queued(() => this.advanceProgress(m, topic, partition, lastOffset)),
          replayItems: (refs) => this.replayItems(m, refs),
          recordReplays: (rows, maxAttempts) => queued(() => this.recordReplays(m, rows, maxAttempts)),
        }),
      );
    } catch (error) {
      // A key another transaction inserted meanwhile (this INSERT waited for that one to commit).
      if (isUniqueViolation(error, 'pk_dedup_claim')) {
        throw new ClaimConflict(conflictingKeys(error) ?? claimed);
      }
      throw error;
    }
  }

  /**
   * Also takes a transaction-scoped advisory lock on the partition, so two processors that both
   * believe they own it (a rebalance in flight) decide its records one after the other, never
   * interleaved. Every batch transaction calls this first.
   */
  private async progress(m: PipelinedSql, topic: string, partition: number): Promise<bigint | null> {
    m.queue(
      `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
      [`${this.pipeline.name}/${topic}/${partition}`],
      PREPARED,
    );
    const rows: { last_offset: string }[] = await m.read(
      `SELECT last_offset::text FROM partition_progress WHERE pipeline = $1 AND topic = $2 AND partition = $3`,
      [this.pipeline.name, topic, partition],
      PREPARED,
    );
    const row = rows[0];
    return row === undefined ? null : BigInt(row.last_offset);
  }

  private async recordedDecisions(
    m: PipelinedSql,
    topic: string,
    partition: number,
    offsets: readonly string[],
  ): Promise<Map<string, RecordedDecision>> {
    const rows: AuditRow[] = await m.read(
      `SELECT source_topic, source_partition, source_offset::text, event_id, dedup_keys, outcome, reason,
              error_type, matched_strategy, first_topic, first_partition, first_offset::text,
              (extract(epoch FROM first_seen_at) * 1000)::bigint::text AS first_seen_ms,
              (extract(epoch FROM event_time) * 1000)::bigint::text AS event_time_ms,
              (extract(epoch FROM watermark) * 1000)::bigint::text AS watermark_ms,
              lateness_ms::text, trace_id, record_hash, approximate
         FROM event_audit
        WHERE pipeline = $1 AND source_topic = $2 AND source_partition = $3 AND source_offset = ANY($4::bigint[])`,
      [this.pipeline.name, topic, partition, offsets],
    );
    const out = new Map<string, RecordedDecision>();
    for (const r of rows) {
      if (!isOutcome(r.outcome)) continue;
      const decision: DecisionRecord = {
        coords: { topic: r.source_topic, partition: r.source_partition, offset: r.source_offset },
        outcome: r.outcome,
        eventId: r.event_id,
        eventTime: ms(r.event_time_ms),
        stateKeys: r.dedup_keys,
        strategy: r.matched_strategy,
        first:
          r.first_topic !== null && r.first_partition !== null && r.first_offset !== null
            ? {
                topic: r.first_topic,
                partition: r.first_partition,
                offset: r.first_offset,
                firstSeenAt: ms(r.first_seen_ms) ?? 0,
              }
            : null,
        errorType: r.error_type,
        reason: r.reason,
        watermark: ms(r.watermark_ms),
        latenessMs: ms(r.lateness_ms),
        traceId: r.trace_id,
        approximate: r.approximate,
      };
      out.set(r.source_offset, { decision, recordHash: r.record_hash });
    }
    return out;
  }

  /**
   * SELECT … FOR UPDATE in key order (every batch locks in the same order, so two batches cannot
   * deadlock). Postgres stays the arbiter: a key can only be claimed by the transaction that holds its
   * row lock or, for a new key, by the one whose INSERT wins the primary key.
   */
  private async lockStates(m: PipelinedSql, keys: readonly string[]): Promise<Map<string, KeyState>> {
    const states = new Map<string, KeyState>();
    if (keys.length === 0) return states;
    const sorted = [...new Set(keys)].sort();
    const rows: StateRow[] = await m.read(
      `SELECT dedup_key, strategy, event_id, origin_topic, origin_partition, origin_offset::text,
              (extract(epoch FROM first_event_time) * 1000)::bigint::text AS first_event_ms,
              (extract(epoch FROM first_seen_at) * 1000)::bigint::text AS first_seen_ms,
              (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires_ms
         FROM dedup_claim
        WHERE pipeline = $1 AND dedup_key = ANY($2::text[])
        ORDER BY dedup_key
        FOR UPDATE`,
      [this.pipeline.name, sorted],
    );
    for (const r of rows) {
      states.set(r.dedup_key, {
        stateKey: r.dedup_key,
        strategy: r.strategy,
        eventId: r.event_id,
        origin: { topic: r.origin_topic, partition: r.origin_partition, offset: r.origin_offset },
        firstEventTime: Number(r.first_event_ms),
        firstSeenAt: Number(r.first_seen_ms),
        expiresAt: Number(r.expires_ms),
      });
    }
    return states;
  }

  private writeStates(
    m: PipelinedSql,
    changed: ReadonlyMap<string, KeyState>,
    existed: ReadonlySet<string>,
    claimed: string[],
  ): void {
    if (changed.size === 0) return;
    const toRow = (s: KeyState) => ({
      dedup_key: s.stateKey,
      strategy: s.strategy,
      event_id: s.eventId,
      origin_topic: s.origin.topic,
      origin_partition: s.origin.partition,
      origin_offset: s.origin.offset,
      first_event_ms: s.firstEventTime,
      first_seen_ms: s.firstSeenAt,
      expires_ms: s.expiresAt,
    });
    const updates = [...changed.values()].filter((s) => existed.has(s.stateKey)).map(toRow);
    const inserts = [...changed.values()].filter((s) => !existed.has(s.stateKey)).map(toRow);
    // json, not jsonb: Postgres parses the document once, without building a jsonb value first
    // (measured by tools/bench/pg-write-path.ts: 13 % less statement time per row).
    const recordset = `json_to_recordset($2::json) AS r(dedup_key text, strategy text, event_id text,
        origin_topic text, origin_partition int, origin_offset bigint, first_event_ms bigint,
        first_seen_ms bigint, expires_ms bigint)`;
    if (updates.length > 0) {
      m.queue(
        `UPDATE dedup_claim c
            SET strategy = r.strategy, event_id = r.event_id, origin_topic = r.origin_topic,
                origin_partition = r.origin_partition, origin_offset = r.origin_offset,
                first_event_time = to_timestamp(r.first_event_ms / 1000.0),
                first_seen_at = to_timestamp(r.first_seen_ms / 1000.0),
                expires_at = to_timestamp(r.expires_ms / 1000.0)
           FROM ${recordset}
          WHERE c.pipeline = $1 AND c.dedup_key = r.dedup_key`,
        [this.pipeline.name, JSON.stringify(updates)],
      );
    }
    if (inserts.length > 0) {
      inserts.sort((a, b) => (a.dedup_key < b.dedup_key ? -1 : 1));
      // A plain INSERT: ON CONFLICT DO NOTHING RETURNING costs 30 % more per row (measured by
      // tools/bench/pg-write-path.ts), for a race that is rare. A key another transaction inserted
      // meanwhile (its INSERT waits for that one to commit) fails the statement with a unique
      // violation instead, which aborts this transaction: inTransaction makes it a ClaimConflict.
      claimed.push(...inserts.map((r) => r.dedup_key));
      m.queue(
        `INSERT INTO dedup_claim (pipeline, dedup_key, strategy, event_id, origin_topic, origin_partition,
                                  origin_offset, first_event_time, first_seen_at, expires_at)
         SELECT $1, dedup_key, strategy, event_id, origin_topic, origin_partition, origin_offset,
                to_timestamp(first_event_ms / 1000.0), to_timestamp(first_seen_ms / 1000.0),
                to_timestamp(expires_ms / 1000.0)
           FROM ${recordset}`,
        [this.pipeline.name, JSON.stringify(inserts)],
        PREPARED,
      );
    }
  }

  /**
   * Like `lockStates`, for approximate mode's Bloom stripes: one row per block holds that block of
   * every live generation, so locking the row locks each of its keys in all generations at once, and
   * two batches that could both accept a key serialize here (docs/adr/0005). Block order = lock order.
   */
  private async lockStripes(
    m: PipelinedSql,
    layout: string,
    blocks: readonly number[],
  ): Promise<Map<number, BloomStripe>> {
    const stripes = new Map<number, BloomStripe>();
    if (blocks.length === 0) return stripes;
    const sorted = [...new Set(blocks)].sort((a, b) => a - b);
    const rows: StripeRow[] = await m.read(
      `SELECT block, generations::text[] AS generations, bits
         FROM bloom_block
        WHERE pipeline = $1 AND layout = $2 AND block = ANY($3::int[])
        ORDER BY block
        FOR UPDATE`,
      [this.pipeline.name, layout, sorted],
    );
    for (const r of rows) {
      stripes.set(r.block, {
        block: r.block,
        generations: r.generations.map(Number),
        bits: new Uint8Array(r.bits.buffer, r.bits.byteOffset, r.bits.byteLength),
      });
    }
    return stripes;
  }

  private async writeStripes(
    m: PipelinedSql,
    layout: string,
    changed: ReadonlyMap<number, BloomStripe>,
    existed: ReadonlySet<number>,
  ): Promise<void> {
    if (changed.size === 0) return;
    const columns = (stripes: BloomStripe[]) => [
      stripes.map((s) => s.block),
      // Each generation list as an array literal: node-pg has no nested-array parameters.
      stripes.map((s) => `{${s.generations.join(',')}}`),
      stripes.map((s) => Buffer.from(s.bits.buffer, s.bits.byteOffset, s.bits.byteLength)),
    ];
    const all = [...changed.values()].sort((a, b) => a.block - b.block);
    const updates = all.filter((s) => existed.has(s.block));
    const inserts = all.filter((s) => !existed.has(s.block));
    if (updates.length > 0) {
      m.queue(
        `UPDATE bloom_block b SET generations = r.generations::bigint[], bits = r.bits
           FROM unnest($3::int[], $4::text[], $5::bytea[]) AS r(block, generations, bits)
          WHERE b.pipeline = $1 AND b.layout = $2 AND b.block = r.block`,
        [this.pipeline.name, layout, ...columns(updates)],
      );
    }
    if (inserts.length > 0) {
      const inserted: { block: number }[] = await m.read(
        `INSERT INTO bloom_block (pipeline, layout, block, generations, bits)
         SELECT $1, $2, r.block, r.generations::bigint[], r.bits
           FROM unnest($3::int[], $4::text[], $5::bytea[]) AS r(block, generations, bits)
         ON CONFLICT ON CONSTRAINT pk_bloom_block DO NOTHING
         RETURNING block`,
        [this.pipeline.name, layout, ...columns(inserts)],
      );
      if (inserted.length !== inserts.length) {
        const won = new Set(inserted.map((r) => r.block));
        throw new ClaimConflict(
          inserts.filter((s) => !won.has(s.block)).map((s) => `bloom block ${s.block}`),
        );
      }
    }
  }

  private async loadWatermarks(m: PipelinedSql, topic: string): Promise<WatermarkSnapshot> {
    // Asked together, so they share one round trip (and with lockStates, asked just before them).
    const [rows, wm] = await Promise.all([
      m.read<{ partition: number; max_ms: string; activity_ms: string }>(
        `SELECT partition, (extract(epoch FROM max_event_time) * 1000)::bigint::text AS max_ms,
                (extract(epoch FROM last_activity_at) * 1000)::bigint::text AS activity_ms
           FROM partition_watermark WHERE pipeline = $1 AND topic = $2`,
        [this.pipeline.name, topic],
        PREPARED,
      ),
      m.read<{ ms: string }>(
        `SELECT (extract(epoch FROM watermark) * 1000)::bigint::text AS ms
           FROM pipeline_watermark WHERE pipeline = $1 AND topic = $2`,
        [this.pipeline.name, topic],
        PREPARED,
      ),
    ]);
    return {
      partitions: rows.map((r) => ({
        partition: r.partition,
        maxEventTime: Number(r.max_ms),
        lastActivityAt: Number(r.activity_ms),
      })),
      pipelineWatermark: wm[0] === undefined ? null : Number(wm[0].ms),
    };
  }

  /** Watermark rows only move forward (GREATEST), whatever order concurrent batches commit in. */
  private saveWatermarks(
    m: PipelinedSql,
    topic: string,
    partition: number,
    snapshot: WatermarkSnapshot,
  ): void {
    // The pipeline watermark is stored on this partition's own row (migration 1764000000004): no row
    // shared by the partitions' batch transactions, whose lock would make them wait for each other.
    const own = snapshot.partitions.find((p) => p.partition === partition);
    if (own !== undefined) {
      m.queue(
        `INSERT INTO partition_watermark (pipeline, topic, partition, max_event_time, last_activity_at,
                                          pipeline_watermark)
         VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0))
         ON CONFLICT ON CONSTRAINT pk_partition_watermark DO UPDATE
           SET max_event_time = GREATEST(partition_watermark.max_event_time, EXCLUDED.max_event_time),
               last_activity_at = GREATEST(partition_watermark.last_activity_at, EXCLUDED.last_activity_at),
               pipeline_watermark = GREATEST(partition_watermark.pipeline_watermark, EXCLUDED.pipeline_watermark)`,
        [
          this.pipeline.name,
          topic,
          partition,
          own.maxEventTime,
          own.lastActivityAt,
          snapshot.pipelineWatermark,
        ],
        PREPARED,
      );
    }
    // Without an event time of its own the batch decided nothing by the watermark, so there is
    // nothing of it to keep: the next batch with event times computes the pipeline watermark again.
  }

  /**
   * Audit rows insert ON CONFLICT DO NOTHING on their coordinates, and the rollups count only the
   * rows actually inserted, so a re-delivered batch neither duplicates audit rows nor inflates counts.
   */
  private record(
    m: PipelinedSql,
    decisions: readonly DecisionRecord[],
    raw: ReadonlyMap<string, RawRecord>,
    hashes: ReadonlyMap<string, string>,
    progressOf: (topic: string, partition: number) => bigint | null,
    replayed: ReadonlySet<string>,
  ): void {
    if (decisions.length === 0) return;
    const auditRow = (d: DecisionRecord) => ({
      source_topic: d.coords.topic,
      source_partition: d.coords.partition,
      source_offset: d.coords.offset,
      event_id: d.eventId,
      dedup_keys: d.stateKeys,
      outcome: d.outcome,
      reason: pgText(d.reason),
      error_type: d.errorType,
      matched_strategy: d.strategy,
      first_topic: d.first?.topic ?? null,
      first_partition: d.first?.partition ?? null,
      first_offset: d.first?.offset ?? null,
      first_seen_ms: d.first?.firstSeenAt ?? null,
      event_time_ms: d.eventTime,
      watermark_ms: d.watermark,
      lateness_ms: d.latenessMs,
      trace_id: d.traceId,
      record_hash: hashes.get(coordKey(d.coords)) ?? null,
      approximate: d.approximate,
      replayed: replayed.has(coordKey(d.coords)),
    });
    // Rows above their partition's progress (read under the partition's lock at the start of this
    // transaction) cannot have an audit row yet: every audit row is written with the progress that
    // covers it, so they take a plain INSERT, every partition's in one statement. The audit is
    // partitioned by day (migration 1764000000010): the coordinates' uniqueness is kept here, not by
    // a constraint, the partition's lock making this transaction their only writer. Only a partition
    // with records at or below its progress (or without one) needs the re-decided form, one statement
    // per partition, which reads every day partition; the plain form touches today's only. json
    // rather than jsonb, and the plain INSERT, are the cheapest forms measured
    // (tools/bench/pg-write-path.ts).
    const fresh: DecisionRecord[] = [];
    for (const group of groupByPartition(decisions)) {
      const first = group[0];
      if (first === undefined) continue;
      const progress = progressOf(first.coords.topic, first.coords.partition);
      if (progress !== null && group.every((d) => BigInt(d.coords.offset) > progress)) {
        fresh.push(...group);
        continue;
      }
      // Searches the audit, so it is planned each time (not prepared).
      m.queue(RECORD_REDECIDED_SQL, [
        this.pipeline.name,
        this.pipeline.version,
        JSON.stringify(group.map(auditRow)),
        progress?.toString() ?? null,
        group.filter((d) => replayed.has(coordKey(d.coords))).map((d) => d.coords.offset),
      ]);
    }
    // Prepared: an insert from the recordset and upserts by primary key, no plan to get wrong.
    if (fresh.length > 0) {
      m.queue(
        RECORD_FRESH_SQL,
        [this.pipeline.name, this.pipeline.version, JSON.stringify(fresh.map(auditRow))],
        PREPARED,
      );
    }
    const dlq = decisions.flatMap((d) => {
      if (d.outcome !== 'invalid' && d.outcome !== 'failed') return [];
      if (replayed.has(coordKey(d.coords))) return [];
      const original = raw.get(coordKey(d.coords));
      return [
        {
          source_topic: d.coords.topic,
          source_partition: d.coords.partition,
          source_offset: d.coords.offset,
          original_key: original?.key?.toString('base64') ?? null,
          original_value: original?.value?.toString('base64') ?? null,
          original_headers: Object.fromEntries(
            Object.entries(original?.headers ?? {}).map(([k, v]) => [pgText(k), pgText(v)]),
          ),
          error_type: d.errorType ?? d.outcome,
          error_message: pgText(d.reason ?? ''),
          trace_id: d.traceId,
        },
      ];
    });
    if (dlq.length === 0) return;
    m.queue(
      `INSERT INTO dlq_record (pipeline, pipeline_version, source_topic, source_partition, source_offset,
                               original_key, original_value, original_headers, error_type, error_message, trace_id)
       SELECT $1, $2, source_topic, source_partition, source_offset, decode(original_key, 'base64'),
              decode(original_value, 'base64'), original_headers, error_type, error_message, trace_id
         FROM jsonb_to_recordset($3::jsonb) AS r(source_topic text, source_partition int, source_offset bigint,
              original_key text, original_value text, original_headers jsonb, error_type text, error_message text,
              trace_id text)
       ON CONFLICT ON CONSTRAINT uq_dlq_record_coordinates DO NOTHING`,
      [this.pipeline.name, this.pipeline.version, JSON.stringify(dlq)],
    );
  }

  private async replayItems(
    m: PipelinedSql,
    refs: readonly ReplayRef[],
  ): Promise<Map<string, ReplayItemState>> {
    const out = new Map<string, ReplayItemState>();
    if (refs.length === 0) return out;
    const rows: {
      run_id: string;
      dlq_id: string;
      decided_topic: string | null;
      decided_partition: number | null;
      decided_offset: string | null;
      decided_ms: string | null;
      key_hash: string;
      value_hash: string;
    }[] = await m.read(
      // Locked, in one order: two partitions' batches holding copies of one item (a re-sent chunk
      // whose records have no key lands on other partitions) decide it one after the other, and the
      // second sees the first's decision. A preview's items are not replays yet.
      `SELECT i.run_id::text, i.dlq_id::text, i.decided_topic, i.decided_partition, i.decided_offset::text,
              (extract(epoch FROM i.decided_at) * 1000)::bigint::text AS decided_ms,
              encode(sha256(coalesce(d.original_key, ''::bytea)), 'hex') AS key_hash,
              encode(sha256(coalesce(d.original_value, ''::bytea)), 'hex') AS value_hash
         FROM dlq_replay_item i
         JOIN dlq_replay_run r ON r.id = i.run_id AND r.pipeline = $1
                              AND r.status IN ('running', 'paused', 'completed', 'cancelled')
         JOIN dlq_record d ON d.id = i.dlq_id
        -- Arrays, so the item primary key is searched (a joined recordset has no statistics, and the
        -- planner scanned every item of the table per batch: measured, docs/benchmarks.md).
        WHERE i.run_id = ANY($2::bigint[]) AND i.dlq_id = ANY($3::bigint[])
        ORDER BY i.run_id, i.dlq_id
          FOR UPDATE OF i`,
      [this.pipeline.name, [...new Set(refs.map((r) => r.runId))], [...new Set(refs.map((r) => r.dlqId))]],
    );
    const asked = new Set(refs.map(replayKey));
    for (const r of rows) {
      if (!asked.has(replayKey({ runId: r.run_id, dlqId: r.dlq_id }))) continue;
      out.set(replayKey({ runId: r.run_id, dlqId: r.dlq_id }), {
        decided:
          r.decided_topic !== null && r.decided_partition !== null && r.decided_offset !== null
            ? {
                topic: r.decided_topic,
                partition: r.decided_partition,
                offset: r.decided_offset,
                at: Number(r.decided_ms ?? 0),
              }
            : null,
        keyHash: r.key_hash,
        valueHash: r.value_hash,
      });
    }
    return out;
  }

  private recordReplays(m: PipelinedSql, rows: readonly ReplayOutcomeRow[], maxAttempts: number): void {
    if (rows.length === 0) return;
    m.queue(
      `WITH r AS (
         SELECT * FROM json_to_recordset($2::json) AS r(run_id bigint, dlq_id bigint, outcome text, topic text,
              partition int, "offset" bigint, error_type text, error_message text)
       ), items AS (
         UPDATE dlq_replay_item i
            SET outcome = r.outcome, decided_at = now(), decided_topic = r.topic,
                decided_partition = r.partition, decided_offset = r."offset"
           FROM r
          WHERE i.run_id = r.run_id AND i.dlq_id = r.dlq_id AND i.outcome IS NULL
            AND i.run_id = ANY($4::bigint[]) AND i.dlq_id = ANY($5::bigint[])
         RETURNING i.run_id, i.dlq_id, r.outcome, r.error_type, r.error_message
       ), passed AS (
         UPDATE dlq_record d
            SET status = 'replayed', status_changed_at = now(), status_changed_by = 'replay/' || items.run_id,
                status_reason = 'replayed: ' || items.outcome, last_replay_run = items.run_id
           FROM items
          WHERE d.id = items.dlq_id AND d.id = ANY($5::bigint[]) AND d.pipeline = $1
            AND items.outcome IN ('unique', 'duplicate', 'late')
            AND d.status = 'replaying' AND d.last_replay_run = items.run_id
         RETURNING d.id
       )
       UPDATE dlq_record d
          SET attempts = d.attempts + 1, last_failure_at = now(), error_type = items.error_type,
              error_message = items.error_message,
              status = CASE WHEN d.attempts + 1 >= $3 THEN 'quarantined' ELSE 'open' END,
              status_changed_at = now(), status_changed_by = 'replay/' || items.run_id,
              status_reason = CASE WHEN d.attempts + 1 >= $3
                                   THEN 'failed again in replay; quarantined after ' || (d.attempts + 1) || ' attempts'
                                   ELSE 'failed again in replay' END,
              last_replay_run = items.run_id
         FROM items
        WHERE d.id = items.dlq_id AND d.id = ANY($5::bigint[]) AND d.pipeline = $1
          AND items.outcome IN ('invalid', 'failed')
          -- A record released by a cancel (and since discarded or taken by another run) keeps its status.
          AND d.status = 'replaying' AND d.last_replay_run = items.run_id`,
      [
        this.pipeline.name,
        JSON.stringify(rows.map((r) => ({ ...r, error_message: pgText(r.error_message) }))),
        maxAttempts,
        [...new Set(rows.map((r) => r.run_id))],
        rows.map((r) => r.dlq_id),
      ],
    );
  }

  private advanceProgress(m: PipelinedSql, topic: string, partition: number, lastOffset: string): void {
    m.queue(
      `INSERT INTO partition_progress (pipeline, topic, partition, last_offset) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT pk_partition_progress DO UPDATE
         SET last_offset = GREATEST(partition_progress.last_offset, EXCLUDED.last_offset), updated_at = now()`,
      [this.pipeline.name, topic, partition, lastOffset],
      PREPARED,
    );
  }
}

/** Decisions grouped by input partition (topic and partition), in order of first appearance. */
function groupByPartition(decisions: readonly DecisionRecord[]): DecisionRecord[][] {
  const groups = new Map<string, DecisionRecord[]>();
  for (const d of decisions) {
    const key = `${d.coords.topic}\u0000${d.coords.partition}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [d]);
    else group.push(d);
  }
  return [...groups.values()];
}

/** A queued write as the promise BatchTransaction promises: settled now (it fails later, if at all). */
function queued(write: () => void): Promise<void> {
  try {
    write();
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** A Postgres unique violation (23505) on `constraint`, as pg reports it through TypeORM. */
function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as {
    code?: unknown;
    constraint?: unknown;
    driverError?: { code?: unknown; constraint?: unknown };
  };
  const code = e.code ?? e.driverError?.code;
  const name = e.constraint ?? e.driverError?.constraint;
  return code === '23505' && name === constraint;
}

/** The key in a dedup_claim unique violation's detail: `Key (pipeline, dedup_key)=(p, k) already exists.` */
function conflictingKeys(error: unknown): string[] | null {
  const e = error as { detail?: unknown; driverError?: { detail?: unknown } };
  const detail = e.detail ?? e.driverError?.detail;
  if (typeof detail !== 'string') return null;
  const match = /^Key \(pipeline, dedup_key\)=\((.*)\) already exists\.$/s.exec(detail);
  const pair = match?.[1];
  // The pipeline name has no comma or space (PIPELINE_NAME's pattern); the key is the rest.
  const comma = pair?.indexOf(', ') ?? -1;
  return pair === undefined || comma < 0 ? null : [pair.slice(comma + 2)];
}
