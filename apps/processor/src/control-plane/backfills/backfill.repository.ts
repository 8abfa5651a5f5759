import { Inject, Injectable } from '@nestjs/common';
import { backfillRangeSchema, type BackfillRange, type BackfillStatus } from '@dedup/contracts';
import { DataSource } from 'typeorm';
import { ActionLogService } from '../actions/action-log.service';
import type { PlannedPartition } from './backfill-plan';

/** A backfill_job row with its partitions, in this codebase's terms. */
export interface StoredBackfill {
  readonly id: string;
  readonly pipeline: string;
  readonly sourceTopic: string;
  readonly targetTopic: string;
  readonly duplicatesTopic: string;
  readonly lateTopic: string;
  readonly range: BackfillRange;
  readonly maxEventsPerSecond: number;
  readonly status: BackfillStatus;
  readonly error: string | null;
  readonly reason: string | null;
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
  readonly partitions: readonly PlannedPartition[];
}

export type NewBackfill = Omit<
  StoredBackfill,
  'id' | 'status' | 'error' | 'createdAt' | 'updatedAt' | 'finishedAt'
>;

interface JobRow {
  id: string;
  pipeline: string;
  source_topic: string;
  target_topic: string;
  duplicates_topic: string;
  late_topic: string;
  range: unknown;
  max_events_per_second: number;
  status: BackfillStatus;
  error: string | null;
  reason: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  partitions: { partition: number; start: string; end: string }[];
}

const SELECT_JOB = `
  SELECT j.id::text, j.pipeline, j.source_topic, j.target_topic, j.duplicates_topic, j.late_topic,
         j.range, j.max_events_per_second, j.status, j.error, j.reason, j.created_by, j.created_at,
         j.updated_at, j.finished_at,
         COALESCE((SELECT json_agg(json_build_object('partition', p.partition, 'start', p.start_offset::text,
                                                     'end', p.end_offset::text) ORDER BY p.partition)
                     FROM backfill_partition p WHERE p.job_id = j.id), '[]') AS partitions
    FROM backfill_job j`;

/** Backfill jobs, their progress (the namespace's partition_progress) and the operator action log. */
@Injectable()
export class BackfillRepository {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ActionLogService) private readonly actions: ActionLogService,
  ) {}

  /** Inserts the job, its partitions and the action-log entry in one transaction. */
  async create(job: NewBackfill, actor: string | null): Promise<StoredBackfill> {
    const id = await this.dataSource.transaction(async (m) => {
      const rows: { id: string }[] = await m.query(
        `INSERT INTO backfill_job (pipeline, source_topic, target_topic, duplicates_topic, late_topic, range,
                                   max_events_per_second, status, reason, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'running', $8, $9) RETURNING id::text`,
        [
          job.pipeline,
          job.sourceTopic,
          job.targetTopic,
          job.duplicatesTopic,
          job.lateTopic,
          JSON.stringify(job.range),
          job.maxEventsPerSecond,
          job.reason,
          actor,
        ],
      );
      const created = rows[0]?.id;
      if (created === undefined) throw new Error('INSERT INTO backfill_job returned no id');
      if (job.partitions.length > 0) {
        await m.query(
          `INSERT INTO backfill_partition (job_id, partition, start_offset, end_offset)
           SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bigint[])`,
          [
            created,
            job.partitions.map((p) => p.partition),
            job.partitions.map((p) => p.start.toString()),
            job.partitions.map((p) => p.end.toString()),
          ],
        );
      }
      await this.actions.inTransaction(m, {
        systemAction: 'backfill.create',
        target: `backfill/${created}`,
        details: {
          backfill: created,
          records: job.partitions.reduce((n, p) => n + Number(p.end - p.start), 0),
        },
      });
      return created;
    });
    this.actions.committed();
    const stored = await this.get(job.pipeline, id);
    if (stored === null) throw new Error(`backfill ${id} vanished after it was created`);
    return stored;
  }

  async get(pipeline: string, id: string): Promise<StoredBackfill | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const rows: JobRow[] = await this.dataSource.query(`${SELECT_JOB} WHERE j.pipeline = $1 AND j.id = $2`, [
      pipeline,
      id,
    ]);
    return rows[0] === undefined ? null : toStored(rows[0]);
  }

  /** Newest first; `statuses` narrows the list (the supervisor asks for the live ones). */
  async list(pipeline: string, statuses?: readonly BackfillStatus[], limit = 200): Promise<StoredBackfill[]> {
    const rows: JobRow[] = await this.dataSource.query(
      `${SELECT_JOB} WHERE j.pipeline = $1 AND ($2::text[] IS NULL OR j.status = ANY($2::text[]))
        ORDER BY j.id DESC LIMIT $3`,
      [pipeline, statuses === undefined ? null : [...statuses], limit],
    );
    return rows.map(toStored);
  }

  /** Jobs by status, every status present (0 when none): the `dedup_backfill_jobs` gauge. */
  async countByStatus(pipeline: string): Promise<Map<BackfillStatus, number>> {
    const rows: { status: BackfillStatus; n: number }[] = await this.dataSource.query(
      `SELECT status, count(*)::int AS n FROM backfill_job WHERE pipeline = $1 GROUP BY status`,
      [pipeline],
    );
    return new Map(rows.map((r) => [r.status, r.n]));
  }

  /**
   * Moves a job from one of `from` to `to` and logs the action, atomically; null when the job's
   * status is not in `from` (another call or instance got there first: nothing changed). `actor`
   * 'system' is the job's own run (completed, failed), not the call that may have started it.
   */
  async transition(
    pipeline: string,
    id: string,
    from: readonly BackfillStatus[],
    to: BackfillStatus,
    actor: string | null,
    details: Record<string, unknown> = {},
  ): Promise<StoredBackfill | null> {
    const final = to === 'completed' || to === 'cancelled' || to === 'failed';
    const changed = await this.dataSource.transaction(async (m) => {
      // A CTE, because TypeORM answers a bare UPDATE with [rows, rowCount], not the rows.
      const rows: { id: string }[] = await m.query(
        `WITH changed AS (
           UPDATE backfill_job SET status = $4, updated_at = now(),
                finished_at = CASE WHEN $5 THEN now() ELSE finished_at END,
                error = CASE WHEN $6::text IS NOT NULL THEN $6 ELSE error END
          WHERE pipeline = $1 AND id = $2 AND status = ANY($3::text[]) RETURNING id
         )
         SELECT id::text FROM changed`,
        [pipeline, id, [...from], to, final, typeof details['error'] === 'string' ? details['error'] : null],
      );
      if (rows.length === 0) return false;
      await this.actions.inTransaction(m, {
        systemAction: `backfill.${to}`,
        target: `backfill/${id}`,
        details,
        bySystem: actor === 'system',
      });
      return true;
    });
    if (changed && actor !== 'system') this.actions.committed();
    return changed ? this.get(pipeline, id) : null;
  }

  /** Highest processed offset per partition of the job namespace's source topic. */
  async progress(namespace: string, topic: string): Promise<Map<number, bigint>> {
    const rows: { partition: number; last_offset: string }[] = await this.dataSource.query(
      `SELECT partition, last_offset::text FROM partition_progress WHERE pipeline = $1 AND topic = $2`,
      [namespace, topic],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.last_offset)]));
  }

  /**
   * A finished job's dedup state serves no later decision: its claims and Bloom blocks go. Its audit,
   * DLQ and progress rows stay (lineage, and the progress a finished job reports).
   */
  async dropState(namespace: string): Promise<number> {
    const rows: { claims: number }[] = await this.dataSource.query(
      `WITH claims AS (DELETE FROM dedup_claim WHERE pipeline = $1 RETURNING 1),
            blocks AS (DELETE FROM bloom_block WHERE pipeline = $1 RETURNING 1),
            watermarks AS (DELETE FROM partition_watermark WHERE pipeline = $1 RETURNING 1)
       SELECT (SELECT count(*) FROM claims)::int AS claims, (SELECT count(*) FROM blocks) AS blocks,
              (SELECT count(*) FROM watermarks) AS watermarks`,
      [namespace],
    );
    return rows[0]?.claims ?? 0;
  }
}

function toStored(r: JobRow): StoredBackfill {
  return {
    id: r.id,
    pipeline: r.pipeline,
    sourceTopic: r.source_topic,
    targetTopic: r.target_topic,
    duplicatesTopic: r.duplicates_topic,
    lateTopic: r.late_topic,
    range: backfillRangeSchema.parse(r.range),
    maxEventsPerSecond: r.max_events_per_second,
    status: r.status,
    error: r.error,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    partitions: r.partitions.map((p) => ({
      partition: p.partition,
      start: BigInt(p.start),
      end: BigInt(p.end),
    })),
  };
}
