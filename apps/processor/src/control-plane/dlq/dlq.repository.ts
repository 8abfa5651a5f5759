import { Inject, Injectable } from '@nestjs/common';
import {
  invalidFieldsOf,
  type DlqGroup,
  type DlqRecord,
  type DlqRecordSummary,
  type DlqStatus,
} from '@dedup/contracts';
import { DataSource, type EntityManager } from 'typeorm';

/** The filters of a list or a selection, validated by the route table's schemas. */
export interface DlqFilter {
  readonly status?: DlqStatus | undefined;
  readonly fingerprint?: string | undefined;
  readonly errorType?: string | undefined;
  readonly sourceTopic?: string | undefined;
  readonly sourcePartition?: number | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly q?: string | undefined;
}

export interface SummaryRow {
  id: string;
  status: DlqStatus;
  fingerprint: string;
  error_type: string;
  error_message: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  attempts: number;
  first_failure_at: Date;
  last_failure_at: Date;
  trace_id: string | null;
  value_head: Buffer | null;
  status_changed_by: string | null;
  status_reason: string | null;
}

interface RecordRow extends SummaryRow {
  cause: string;
  pipeline: string;
  pipeline_version: string;
  original_key: Buffer | null;
  original_value: Buffer | null;
  original_headers: Record<string, string>;
  status_changed_at: Date | null;
}

export const SUMMARY_COLUMNS = `id::text, status, fingerprint, error_type, error_message, source_topic, source_partition,
  source_offset::text, attempts, first_failure_at, last_failure_at, trace_id,
  substring(original_value FROM 1 FOR 640) AS value_head, status_changed_by, status_reason`;

/** Enough bytes for 160 characters of UTF-8 text. */
const PREVIEW_CHARS = 160;
const lenient = new TextDecoder('utf-8');
const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * The DLQ table for triage (docs/dlq.md): groups by fingerprint, filtered lists newest failure first
 * (keyset pages on (last_failure_at, id)), one record whole, and status changes. Fingerprints and
 * causes are generated columns (migration 1764000000007), so nothing here computes them.
 */
@Injectable()
export class DlqRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** The cause of a fingerprint's records (any one of them: they share it), or null. */
  async causeOf(pipeline: string, fingerprint: string): Promise<string | null> {
    const rows: { cause: string }[] = await this.dataSource.query(
      `SELECT cause FROM dlq_record WHERE pipeline = $1 AND fingerprint = $2 LIMIT 1`,
      [pipeline, fingerprint],
    );
    return rows[0]?.cause ?? null;
  }

  /**
   * Records in a status and the first failure of the oldest of them: the count from the group
   * statistics (migration 1764000000009), the oldest by index, per error type.
   */
  async totals(pipeline: string, status: DlqStatus): Promise<{ total: number; oldest: Date | null }> {
    const rows: { n: string; oldest: Date | null }[] = await this.dataSource.query(
      `SELECT (SELECT coalesce(sum(n), 0) FROM dlq_group_counts WHERE pipeline = $1 AND status = $2)::text AS n,
              (SELECT min((SELECT d.first_failure_at FROM dlq_record d
                            WHERE d.pipeline = $1 AND d.status = $2 AND d.error_type = t.error_type
                            ORDER BY d.first_failure_at LIMIT 1))
                 FROM (SELECT DISTINCT error_type FROM dlq_group_counts
                        WHERE pipeline = $1 AND status = $2 AND n > 0) t) AS oldest`,
      [pipeline, status],
    );
    return { total: Number(rows[0]?.n ?? 0), oldest: rows[0]?.oldest ?? null };
  }

  /**
   * The largest groups of a status: counts from the group statistics, the newest and oldest record
   * of each by index, and failures per clock hour over the last 24 h from the hourly counts.
   */
  async groups(pipeline: string, status: DlqStatus, limit = 200): Promise<DlqGroup[]> {
    const rows: {
      fingerprint: string;
      error_type: string;
      cause: string;
      n: string;
      first_failure_at: Date;
      last_failure_at: Date;
      sample_id: string;
      sample_message: string;
      topics: string[];
      last_day: number[];
    }[] = await this.dataSource.query(
      `WITH g AS (
         SELECT fingerprint, min(error_type) AS error_type, min(cause) AS cause, sum(n) AS n,
                array_agg(source_topic ORDER BY source_topic) FILTER (WHERE n > 0) AS topics
           FROM dlq_group_counts WHERE pipeline = $1 AND status = $2
          GROUP BY fingerprint HAVING sum(n) > 0
          ORDER BY sum(n) DESC, fingerprint LIMIT $3)
       SELECT g.fingerprint, g.error_type, g.cause, g.n::text, oldest.first_failure_at, newest.last_failure_at,
              newest.id::text AS sample_id, newest.error_message AS sample_message, g.topics,
              (SELECT array_agg(coalesce(h.n, 0)::int ORDER BY s.i)
                 FROM generate_series(0, 23) AS s(i)
                 LEFT JOIN dlq_failure_counts h
                   ON h.pipeline = $1 AND h.fingerprint = g.fingerprint
                  AND h.hour = date_trunc('hour', now()) - (23 - s.i) * interval '1 hour') AS last_day
         FROM g
         CROSS JOIN LATERAL (
           SELECT d.id, d.error_message, d.last_failure_at FROM dlq_record d
            WHERE d.pipeline = $1 AND d.fingerprint = g.fingerprint AND d.status = $2
            ORDER BY d.last_failure_at DESC, d.id DESC LIMIT 1) newest
         CROSS JOIN LATERAL (
           SELECT d.first_failure_at FROM dlq_record d
            WHERE d.pipeline = $1 AND d.fingerprint = g.fingerprint AND d.status = $2
            ORDER BY d.first_failure_at LIMIT 1) oldest
        ORDER BY g.n DESC, g.fingerprint`,
      [pipeline, status, limit],
    );
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      errorType: r.error_type,
      cause: r.cause,
      count: Number(r.n),
      firstFailureAt: r.first_failure_at.toISOString(),
      lastFailureAt: r.last_failure_at.toISOString(),
      sampleId: r.sample_id,
      sampleMessage: r.sample_message,
      sourceTopics: r.topics,
      lastDay: r.last_day.map(Number),
    }));
  }

  async list(
    pipeline: string,
    filter: DlqFilter,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ records: DlqRecordSummary[]; nextCursor: string | null }> {
    const { where, params } = whereOf(pipeline, filter);
    if (cursor !== undefined) {
      params.push(cursor);
      const at = `$${params.length}`;
      where.push(
        `(last_failure_at, id) < (SELECT last_failure_at, id FROM dlq_record WHERE id = ${at}::bigint)`,
      );
    }
    params.push(limit + 1);
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT ${SUMMARY_COLUMNS} FROM dlq_record WHERE ${where.join(' AND ')}
        ORDER BY last_failure_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    return {
      records: page.map(toSummary),
      nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  }

  async get(pipeline: string, id: string): Promise<DlqRecord | null> {
    const rows: RecordRow[] = await this.dataSource.query(
      `SELECT ${SUMMARY_COLUMNS}, cause, pipeline, pipeline_version, original_key, original_value, original_headers,
              status_changed_at
         FROM dlq_record WHERE pipeline = $1 AND id = $2`,
      [pipeline, id],
    );
    const r = rows[0];
    if (r === undefined) return null;
    return {
      ...toSummary(r),
      cause: r.cause,
      pipeline: r.pipeline,
      pipelineVersion: r.pipeline_version,
      key: asText(r.original_key),
      value: asText(r.original_value),
      keyBase64: r.original_key?.toString('base64') ?? null,
      valueBase64: r.original_value?.toString('base64') ?? null,
      headers: r.original_headers,
      invalidFields: invalidFieldsOf(r.error_type, r.error_message),
      statusChangedAt: r.status_changed_at?.toISOString() ?? null,
    };
  }

  /**
   * Moves the selected records that are in one of `from` to `to`, recording who and why; answers
   * the ids moved. A selection by filter takes every matching record at the time of the statement.
   */
  async transition(
    m: EntityManager,
    pipeline: string,
    selection: { ids: readonly string[] } | { filter: DlqFilter },
    change: { from: readonly DlqStatus[]; to: DlqStatus; by: string | null; reason: string | null },
  ): Promise<string[]> {
    const { where, params } =
      'ids' in selection
        ? {
            where: ['pipeline = $1', 'id = ANY($2::bigint[])'],
            params: [pipeline, selection.ids] as unknown[],
          }
        : whereOf(pipeline, selection.filter);
    params.push(change.from, change.to, change.by, change.reason);
    const n = params.length;
    where.push(`status = ANY($${n - 3}::text[])`);
    // A CTE, so the driver answers rows (an UPDATE's own answer is [rows, count] through TypeORM).
    const rows: { id: string }[] = await m.query(
      `WITH moved AS (
         UPDATE dlq_record SET status = $${n - 2}, status_changed_at = now(), status_changed_by = $${n - 1},
                status_reason = $${n}
          WHERE ${where.join(' AND ')} RETURNING id)
       SELECT id::text FROM moved ORDER BY id`,
      params,
    );
    return rows.map((r) => r.id);
  }
}

/** The WHERE terms and parameters of a filter ($1 is the pipeline). */
export function whereOf(pipeline: string, filter: DlqFilter): { where: string[]; params: unknown[] } {
  const where = ['pipeline = $1'];
  const params: unknown[] = [pipeline];
  const add = (sql: (at: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.status !== undefined) add((at) => `status = ${at}`, filter.status);
  if (filter.fingerprint !== undefined) add((at) => `fingerprint = ${at}`, filter.fingerprint);
  if (filter.errorType !== undefined) add((at) => `error_type = ${at}`, filter.errorType);
  if (filter.sourceTopic !== undefined) add((at) => `source_topic = ${at}`, filter.sourceTopic);
  if (filter.sourcePartition !== undefined) add((at) => `source_partition = ${at}`, filter.sourcePartition);
  if (filter.from !== undefined) add((at) => `last_failure_at >= ${at}::timestamptz`, filter.from);
  if (filter.to !== undefined) add((at) => `last_failure_at < ${at}::timestamptz`, filter.to);
  if (filter.q !== undefined) {
    // The first 2 kB of the value with non-ASCII bytes escaped: ASCII text (ids, field names) is found,
    // by the trigram index where pg_trgm is installed (migration 1764000000009).
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    add((at) => `left(encode(original_value, 'escape'), 2048) ILIKE ${at}`, pattern);
  }
  return { where, params };
}

export function toSummary(r: SummaryRow): DlqRecordSummary {
  return {
    id: r.id,
    status: r.status,
    fingerprint: r.fingerprint,
    errorType: r.error_type,
    errorMessage: r.error_message,
    sourceTopic: r.source_topic,
    sourcePartition: r.source_partition,
    sourceOffset: r.source_offset,
    attempts: r.attempts,
    firstFailureAt: r.first_failure_at.toISOString(),
    lastFailureAt: r.last_failure_at.toISOString(),
    traceId: r.trace_id,
    valuePreview: r.value_head === null ? null : lenient.decode(r.value_head).slice(0, PREVIEW_CHARS),
    statusChangedBy: r.status_changed_by,
    statusReason: r.status_reason,
  };
}

function asText(bytes: Buffer | null): string | null {
  if (bytes === null) return null;
  try {
    return strict.decode(bytes);
  } catch {
    return null;
  }
}
