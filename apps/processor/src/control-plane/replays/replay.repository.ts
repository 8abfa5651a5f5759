import { Inject, Injectable } from '@nestjs/common';
import {
  REPLAYABLE_DLQ_STATUSES,
  type DlqRecordSummary,
  type DlqSelectionValue,
  type ReplayRun,
  type ReplayStatus,
} from '@dedup/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { SUMMARY_COLUMNS, toSummary, whereOf, type DlqFilter, type SummaryRow } from '../dlq/dlq.repository';

/** A DLQ record as the publisher sends it back: its bytes and headers as first received. */
export interface ReplayRecord {
  readonly dlqId: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: string };
}

export interface NewPreview {
  readonly pipeline: string;
  readonly token: string;
  /** The scope in words, given the number of records selected ("7 records open of cause …"). */
  readonly scope: (total: number) => string;
  readonly selection: DlqSelectionValue;
  readonly maxPerSecond: number;
  readonly reason: string | null;
  readonly createdBy: string | null;
  readonly expiresAt: Date;
}

interface RunRow {
  id: string;
  status: ReplayStatus;
  scope: string;
  reason: string | null;
  total: number;
  max_per_second: number;
  created_by: string | null;
  created_at: Date;
  started_by: string | null;
  started_at: Date | null;
  updated_at: Date;
  finished_at: Date | null;
  expires_at: Date;
  published: string;
  recent: string;
  unique_n: string;
  duplicate_n: string;
  late_n: string;
  invalid_n: string;
  failed_n: string;
  quarantined: string;
}

/** Replay runs are listed with their progress from the items (counts over the run's own rows). */
const RUN_SELECT = `
  SELECT r.id::text, r.status, r.scope, r.reason, r.total, r.max_per_second, r.created_by, r.created_at,
         r.started_by, r.started_at, r.updated_at, r.finished_at, r.expires_at,
         p.published::text, p.recent::text, p.unique_n::text, p.duplicate_n::text, p.late_n::text,
         p.invalid_n::text, p.failed_n::text,
         (SELECT count(*) FROM dlq_record d WHERE d.last_replay_run = r.id AND d.status = 'quarantined')::text
           AS quarantined
    FROM dlq_replay_run r
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE i.published_at IS NOT NULL) AS published,
             count(*) FILTER (WHERE i.published_at > now() - interval '10 seconds') AS recent,
             count(*) FILTER (WHERE i.outcome = 'unique') AS unique_n,
             count(*) FILTER (WHERE i.outcome = 'duplicate') AS duplicate_n,
             count(*) FILTER (WHERE i.outcome = 'late') AS late_n,
             count(*) FILTER (WHERE i.outcome = 'invalid') AS invalid_n,
             count(*) FILTER (WHERE i.outcome = 'failed') AS failed_n
        FROM dlq_replay_item i WHERE i.run_id = r.id) p`;

/** Where records listed by id may come from. */
const SELECTABLE_BY_ID: string[] = [...REPLAYABLE_DLQ_STATUSES];

/**
 * DLQ replay runs and their items (docs/adr/0009, migration 1764000000008). Every method that
 * changes a run takes the caller's transaction, so its action-log row commits with it.
 */
@Injectable()
export class ReplayRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** A preview run holding exactly the selected records, in id order; answers its id and size. */
  async createPreview(
    m: EntityManager,
    run: NewPreview,
  ): Promise<{ id: string; total: number; scope: string }> {
    const created: { id: string }[] = await m.query(
      `INSERT INTO dlq_replay_run (pipeline, status, token, scope, selection, total, max_per_second, reason,
                                   created_by, expires_at)
       VALUES ($1, 'preview', $2, $3, $4::jsonb, 0, $5, $6, $7, $8) RETURNING id::text`,
      [
        run.pipeline,
        run.token,
        run.scope(0),
        JSON.stringify(run.selection),
        run.maxPerSecond,
        run.reason,
        run.createdBy,
        run.expiresAt,
      ],
    );
    const id = created[0]?.id;
    if (id === undefined) throw new Error('INSERT … RETURNING returned no row');
    const { where, params } = selectionWhere(run.pipeline, run.selection);
    params.push(id);
    const inserted: { n: string }[] = await m.query(
      `WITH picked AS (
         INSERT INTO dlq_replay_item (run_id, dlq_id, seq)
         SELECT $${params.length}::bigint, id, row_number() OVER (ORDER BY id)
           FROM dlq_record WHERE ${where.join(' AND ')}
         RETURNING 1)
       SELECT count(*)::text AS n FROM picked`,
      params,
    );
    const total = Number(inserted[0]?.n ?? 0);
    const scope = run.scope(total);
    await m.query(`UPDATE dlq_replay_run SET total = $2, scope = $3 WHERE id = $1`, [id, total, scope]);
    return { id, total, scope };
  }

  async sample(runId: string, limit: number): Promise<DlqRecordSummary[]> {
    const rows: SummaryRow[] = await this.dataSource.query(
      `SELECT ${SUMMARY_COLUMNS}
         FROM dlq_replay_item i JOIN dlq_record d ON d.id = i.dlq_id
        WHERE i.run_id = $1 ORDER BY i.seq LIMIT $2`,
      [runId, limit],
    );
    return rows.map(toSummary);
  }

  /** The run a token names, locked for the start; null when there is none for this pipeline. */
  async lockByToken(
    m: EntityManager,
    pipeline: string,
    token: string,
  ): Promise<{ id: string; status: ReplayStatus; total: number; expiresAt: Date } | null> {
    const rows: { id: string; status: ReplayStatus; total: number; expires_at: Date }[] = await m.query(
      `SELECT id::text, status, total, expires_at FROM dlq_replay_run WHERE pipeline = $1 AND token = $2 FOR UPDATE`,
      [pipeline, token],
    );
    const r = rows[0];
    return r === undefined ? null : { id: r.id, status: r.status, total: r.total, expiresAt: r.expires_at };
  }

  /**
   * Moves the run's records from open or quarantined to replaying; answers how many moved. Fewer than
   * the run's total means some changed since the preview (the caller rolls back).
   */
  async claimRecords(m: EntityManager, runId: string, by: string | null): Promise<number> {
    const rows: { n: string }[] = await m.query(
      `WITH moved AS (
         UPDATE dlq_record d SET status = 'replaying', status_changed_at = now(), status_changed_by = $2,
                status_reason = 'in replay run ' || $1::text, last_replay_run = $1::bigint
           FROM dlq_replay_item i
          WHERE i.run_id = $1::bigint AND d.id = i.dlq_id AND d.status = ANY($3::text[])
         RETURNING 1)
       SELECT count(*)::text AS n FROM moved`,
      [runId, by, SELECTABLE_BY_ID],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async markStarted(m: EntityManager, runId: string, by: string | null): Promise<void> {
    await m.query(
      `UPDATE dlq_replay_run SET status = 'running', started_by = $2, started_at = now(), updated_at = now()
        WHERE id = $1`,
      [runId, by],
    );
  }

  /** Moves a run from one of `from` to `to`; false when it was in none of them. */
  async transition(
    m: EntityManager,
    pipeline: string,
    runId: string,
    from: readonly ReplayStatus[],
    to: ReplayStatus,
  ): Promise<boolean> {
    const rows: { id: string }[] = await m.query(
      `WITH moved AS (
         UPDATE dlq_replay_run
            SET status = $4, updated_at = now(),
                finished_at = CASE WHEN $4 IN ('completed', 'cancelled') THEN now() ELSE finished_at END
          WHERE pipeline = $1 AND id = $2 AND status = ANY($3::text[])
         RETURNING id)
       SELECT id::text FROM moved`,
      [pipeline, runId, from, to],
    );
    return rows.length > 0;
  }

  /** A cancelled run's records that were never sent go back to open. */
  async releaseUnpublished(m: EntityManager, runId: string): Promise<number> {
    const rows: { n: string }[] = await m.query(
      // FOR UPDATE waits for a publisher's transaction that holds some of these items, then sees
      // whether it sent them: a record is released only if it was never sent.
      `WITH unsent AS (
         SELECT dlq_id FROM dlq_replay_item WHERE run_id = $1 AND published_at IS NULL FOR UPDATE
       ), released AS (
         UPDATE dlq_record d SET status = 'open', status_changed_at = now(), status_changed_by = 'system',
                status_reason = 'replay run ' || $1 || ' cancelled before sending it'
           FROM unsent u
          WHERE d.id = u.dlq_id AND d.status = 'replaying'
         RETURNING 1)
       SELECT count(*)::text AS n FROM released`,
      [runId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async get(pipeline: string, runId: string): Promise<ReplayRun | null> {
    const rows: RunRow[] = await this.dataSource.query(`${RUN_SELECT} WHERE r.pipeline = $1 AND r.id = $2`, [
      pipeline,
      runId,
    ]);
    return rows[0] === undefined ? null : toRun(rows[0]);
  }

  /** Started runs (previews are not runs yet), newest first. */
  async list(pipeline: string, limit = 50): Promise<ReplayRun[]> {
    const rows: RunRow[] = await this.dataSource.query(
      `${RUN_SELECT} WHERE r.pipeline = $1 AND r.status <> 'preview' ORDER BY r.id DESC LIMIT $2`,
      [pipeline, limit],
    );
    return rows.map(toRun);
  }

  /** Runs by status, for the replay gauge. */
  async countActive(pipeline: string): Promise<{ running: number; paused: number }> {
    const rows: { status: string; n: string }[] = await this.dataSource.query(
      `SELECT status, count(*)::text AS n FROM dlq_replay_run
        WHERE pipeline = $1 AND status IN ('running', 'paused') GROUP BY status`,
      [pipeline],
    );
    const of = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
    return { running: of('running'), paused: of('paused') };
  }

  async running(pipeline: string): Promise<{ id: string; maxPerSecond: number }[]> {
    const rows: { id: string; max_per_second: number }[] = await this.dataSource.query(
      `SELECT id::text, max_per_second FROM dlq_replay_run WHERE pipeline = $1 AND status = 'running' ORDER BY id`,
      [pipeline],
    );
    return rows.map((r) => ({ id: r.id, maxPerSecond: r.max_per_second }));
  }

  /**
   * The next unsent records of a run, in order, locked (SKIP LOCKED: two instances never take the
   * same ones); only while the run is still running.
   */
  async claimNext(m: EntityManager, runId: string, limit: number): Promise<ReplayRecord[]> {
    const rows: {
      dlq_id: string;
      original_key: Buffer | null;
      original_value: Buffer | null;
      original_headers: Record<string, string>;
      source_topic: string;
      source_partition: number;
      source_offset: string;
    }[] = await m.query(
      `SELECT i.dlq_id::text, d.original_key, d.original_value, d.original_headers, d.source_topic,
              d.source_partition, d.source_offset::text
         FROM dlq_replay_item i
         JOIN dlq_replay_run r ON r.id = i.run_id AND r.status = 'running'
         JOIN dlq_record d ON d.id = i.dlq_id
        WHERE i.run_id = $1 AND i.published_at IS NULL
        ORDER BY i.seq LIMIT $2
        FOR UPDATE OF i SKIP LOCKED
        FOR SHARE OF r`,
      [runId, limit],
    );
    return rows.map((r) => ({
      dlqId: r.dlq_id,
      key: r.original_key,
      value: r.original_value,
      headers: r.original_headers,
      source: { topic: r.source_topic, partition: r.source_partition, offset: r.source_offset },
    }));
  }

  async markPublished(m: EntityManager, runId: string, dlqIds: readonly string[]): Promise<void> {
    await m.query(
      `UPDATE dlq_replay_item SET published_at = now() WHERE run_id = $1 AND dlq_id = ANY($2::bigint[])`,
      [runId, dlqIds],
    );
  }

  /** Running runs whose every record has been decided; answers their ids (each moved to completed). */
  async finishedRuns(pipeline: string): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT r.id::text FROM dlq_replay_run r
        WHERE r.pipeline = $1 AND r.status IN ('running', 'paused')
          AND NOT EXISTS (SELECT 1 FROM dlq_replay_item i WHERE i.run_id = r.id AND i.outcome IS NULL)`,
      [pipeline],
    );
    return rows.map((r) => r.id);
  }

  /** Previews nobody started, a day after they expired (their items go with them). */
  async dropStalePreviews(pipeline: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM dlq_replay_run WHERE pipeline = $1 AND status = 'preview' AND expires_at < now() - interval '1 day'`,
      [pipeline],
    );
  }
}

/**
 * The records a selection names that a replay may take: listed ones that are open or quarantined;
 * by filter, open ones (or quarantined ones when the filter says so).
 */
function selectionWhere(
  pipeline: string,
  selection: DlqSelectionValue,
): { where: string[]; params: unknown[] } {
  if ('ids' in selection) {
    return {
      where: ['pipeline = $1', 'id = ANY($2::bigint[])', 'status = ANY($3::text[])'],
      params: [pipeline, selection.ids, SELECTABLE_BY_ID],
    };
  }
  const filter: DlqFilter = selection.filter;
  // The contract refuses a status a replay cannot take (replayPreviewRequestSchema): none is replaced.
  return whereOf(pipeline, { ...filter, status: filter.status ?? 'open' });
}

function toRun(r: RunRow): ReplayRun {
  const outcomes = {
    unique: Number(r.unique_n),
    duplicate: Number(r.duplicate_n),
    late: Number(r.late_n),
    invalid: Number(r.invalid_n),
    failed: Number(r.failed_n),
  };
  const decided = Object.values(outcomes).reduce((a, b) => a + b, 0);
  const published = Number(r.published);
  const rate = Number(r.recent) / 10;
  const remaining = r.total - published;
  const active = r.status === 'running';
  return {
    id: r.id,
    status: r.status,
    scope: r.scope,
    reason: r.reason,
    total: r.total,
    published,
    decided,
    outcomes,
    quarantined: Number(r.quarantined),
    maxPerSecond: r.max_per_second,
    progress: r.total === 0 ? 1 : decided / r.total,
    rate,
    etaSeconds: !active
      ? null
      : remaining <= 0
        ? 0
        : Math.ceil(remaining / (rate > 0 ? rate : r.max_per_second)),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    startedBy: r.started_by,
    startedAt: r.started_at?.toISOString() ?? null,
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
}
