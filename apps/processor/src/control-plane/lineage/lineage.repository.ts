import { Inject, Injectable } from '@nestjs/common';
import { isOutcome, type LineageCoordinates, type LineageOccurrence } from '@dedup/contracts';
import { DataSource } from 'typeorm';
import { likeLiteral } from '../../adapters/postgres/like-literal';

interface OccurrenceRow {
  pipeline: string;
  pipeline_version: string;
  event_id: string | null;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  processed_at: Date;
  event_time: Date | null;
  outcome: string;
  reason: string | null;
  error_type: string | null;
  matched_strategy: string | null;
  dedup_key: string | null;
  first_topic: string | null;
  first_partition: number | null;
  first_offset: string | null;
  first_seen_at: Date | null;
  watermark: Date | null;
  lateness_ms: string | null;
  trace_id: string | null;
  approximate: boolean;
  dlq_id: string | null;
  dlq_status: string | null;
  replay_run_id: string | null;
  replay_dlq_id: string | null;
}

/** A page of occurrences, oldest first, and whether more existed. */
export interface OccurrencePage {
  readonly occurrences: LineageOccurrence[];
  readonly truncated: boolean;
}

/**
 * The audit rows of the links the answer carries, for audit rows `a` already chosen (the CTE
 * `found`, at most limit + 1 rows):
 * - its DLQ record: same pipeline and coordinates (uq_dlq_record_coordinates);
 * - the replay that produced it: the run item decided at its coordinates, of a run of its pipeline.
 *   dlq_replay_item has no index on its decided coordinates, so this is one hash join over the
 *   replay items (replayed DLQ records only, far fewer than audit rows), not a lookup per row.
 */
const LINKED = `
  SELECT a.pipeline, a.pipeline_version, a.event_id, a.source_topic, a.source_partition,
         a.source_offset::text, a.processed_at, a.event_time, a.outcome, a.reason, a.error_type,
         a.matched_strategy, a.dedup_key, a.first_topic, a.first_partition, a.first_offset::text,
         a.first_seen_at, a.watermark, a.lateness_ms::text, a.trace_id, a.approximate,
         d.id::text AS dlq_id, d.status AS dlq_status,
         ri.run_id::text AS replay_run_id, ri.dlq_id::text AS replay_dlq_id
    FROM found a
    LEFT JOIN dlq_record d
      ON d.pipeline = a.pipeline AND d.source_topic = a.source_topic
     AND d.source_partition = a.source_partition AND d.source_offset = a.source_offset
    LEFT JOIN (
      SELECT DISTINCT ON (i.decided_topic, i.decided_partition, i.decided_offset, r.pipeline)
             i.run_id, i.dlq_id, i.decided_topic, i.decided_partition, i.decided_offset, r.pipeline
        FROM dlq_replay_item i JOIN dlq_replay_run r ON r.id = i.run_id
       WHERE i.decided_offset IS NOT NULL AND r.pipeline = $1
       ORDER BY i.decided_topic, i.decided_partition, i.decided_offset, r.pipeline, i.run_id DESC) ri
      ON ri.pipeline = a.pipeline AND ri.decided_topic = a.source_topic
     AND ri.decided_partition = a.source_partition AND ri.decided_offset = a.source_offset
   ORDER BY a.processed_at, a.id`;

/** The backfill job id of a backfill namespace `<pipeline>.backfill.<id>`, else null. */
export function backfillIdOf(livePipeline: string, pipeline: string): string | null {
  const prefix = `${livePipeline}.backfill.`;
  return pipeline.startsWith(prefix) ? pipeline.slice(prefix.length) : null;
}

/**
 * Lineage reads of the audit (docs/adr/0007: one repository per feature). Only the write path's
 * own indexes of event_audit are used (it is the hot write path; each day partition has them):
 * ix_event_audit_event_id for a search by event id, ix_event_audit_dedup_key by dedup key,
 * ix_event_audit_coordinates by coordinates. Every read is scoped to the live pipeline and its
 * backfills' namespaces.
 */
@Injectable()
export class LineageRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Every occurrence of `eventId`, oldest first, at most `limit`. The event_id index finds the rows;
   * the pipeline test is a filter on them, so a LIKE (which no index here serves) costs nothing.
   */
  async byEventId(pipeline: string, eventId: string, limit: number): Promise<OccurrencePage> {
    const rows: OccurrenceRow[] = await this.dataSource.query(
      `WITH found AS (
         SELECT * FROM event_audit
          WHERE event_id = $2 AND (pipeline = $1 OR pipeline LIKE $3)
          ORDER BY processed_at, id
          LIMIT $4)
       ${LINKED}`,
      [pipeline, eventId, `${likeLiteral(pipeline)}.backfill.%`, limit + 1],
    );
    return {
      occurrences: rows.slice(0, limit).map((r) => toOccurrence(pipeline, r)),
      truncated: rows.length > limit,
    };
  }

  /**
   * Every record whose (first) dedup key is `dedupKey`, oldest first, at most `limit`: the
   * dedup_key index finds them, as the event_id one does for `byEventId`.
   */
  async byDedupKey(pipeline: string, dedupKey: string, limit: number): Promise<OccurrencePage> {
    const rows: OccurrenceRow[] = await this.dataSource.query(
      `WITH found AS (
         SELECT * FROM event_audit
          WHERE dedup_key = $2 AND (pipeline = $1 OR pipeline LIKE $3)
          ORDER BY processed_at, id
          LIMIT $4)
       ${LINKED}`,
      [pipeline, dedupKey, `${likeLiteral(pipeline)}.backfill.%`, limit + 1],
    );
    return {
      occurrences: rows.slice(0, limit).map((r) => toOccurrence(pipeline, r)),
      truncated: rows.length > limit,
    };
  }

  /**
   * The records decided at these coordinates (the live pipeline's, and each backfill's that read
   * them: one per namespace), oldest first. The namespaces are listed from backfill_job, so each is
   * a point lookup on ix_event_audit_coordinates rather than a LIKE scan of the audit.
   */
  async atCoordinates(pipeline: string, at: LineageCoordinates, limit: number): Promise<OccurrencePage> {
    const rows: OccurrenceRow[] = await this.dataSource.query(
      `WITH scope AS (
         SELECT $1::text AS pipeline
         UNION ALL
         SELECT $1 || '.backfill.' || id FROM backfill_job WHERE pipeline = $1
       ), found AS (
         SELECT a.* FROM scope s
           JOIN event_audit a
             ON a.pipeline = s.pipeline AND a.source_topic = $2 AND a.source_partition = $3
            AND a.source_offset = $4::bigint
          ORDER BY a.processed_at, a.id
          LIMIT $5)
       ${LINKED}`,
      [pipeline, at.topic, at.partition, at.offset, limit + 1],
    );
    return {
      occurrences: rows.slice(0, limit).map((r) => toOccurrence(pipeline, r)),
      truncated: rows.length > limit,
    };
  }
}

function toOccurrence(livePipeline: string, r: OccurrenceRow): LineageOccurrence {
  // The audit's check constraint admits only the five outcomes; anything else is a broken row.
  if (!isOutcome(r.outcome)) throw new Error(`audit row with outcome ${r.outcome}`);
  const first =
    r.first_topic !== null && r.first_partition !== null && r.first_offset !== null
      ? {
          topic: r.first_topic,
          partition: r.first_partition,
          offset: r.first_offset,
          firstSeenAt: r.first_seen_at?.toISOString() ?? null,
        }
      : null;
  return {
    pipeline: r.pipeline,
    backfillId: backfillIdOf(livePipeline, r.pipeline),
    pipelineVersion: r.pipeline_version,
    eventId: r.event_id,
    coordinates: { topic: r.source_topic, partition: r.source_partition, offset: r.source_offset },
    processedAt: r.processed_at.toISOString(),
    eventTime: r.event_time?.toISOString() ?? null,
    outcome: r.outcome,
    reason: r.reason,
    errorType: r.error_type,
    matchedStrategy: r.matched_strategy,
    dedupKey: r.dedup_key,
    firstOccurrence: first,
    watermark: r.watermark?.toISOString() ?? null,
    latenessMs: r.lateness_ms === null ? null : Number(r.lateness_ms),
    traceId: r.trace_id,
    approximate: r.approximate,
    dlq: r.dlq_id === null ? null : { id: r.dlq_id, status: r.dlq_status ?? 'unknown' },
    replay:
      r.replay_run_id === null || r.replay_dlq_id === null
        ? null
        : { runId: r.replay_run_id, dlqId: r.replay_dlq_id },
  };
}
