import type { DataSource } from 'typeorm';

/**
 * Reads of a rollup kept at two grains (migration 1764000000010): the per-minute table, and the
 * coarse table `dedup_rollups_compact` folds it into up to `rollup_compaction.until`. A range from
 * `fromMs` on is read as the fine rows of its ragged start (up to the first whole coarse bucket),
 * the coarse rows from there to `until`, and the fine rows after that: each minute counted once,
 * and a week read from a few thousand rows. The bounds are computed here and passed as constants
 * (a bound the planner cannot see would cost it the index range).
 */
export interface RollupSpan {
  readonly fine: string;
  readonly fineTime: string;
  readonly coarse: string;
  readonly coarseTime: string;
  /** rollup_compaction.kind */
  readonly kind: string;
  readonly grainMs: number;
}

export const OUTCOME_SPAN: RollupSpan = {
  fine: 'outcome_rollup',
  fineTime: 'minute',
  coarse: 'outcome_rollup_15m',
  coarseTime: 'bucket',
  kind: 'outcome_15m',
  grainMs: 15 * 60_000,
};

export const LATENESS_SPAN: RollupSpan = {
  fine: 'lateness_rollup',
  fineTime: 'minute',
  coarse: 'lateness_rollup_hour',
  coarseTime: 'hour',
  kind: 'lateness_hour',
  grainMs: 60 * 60_000,
};

/** The three ranges a span is read in (epoch ms); exported for its unit spec. */
export function spanBounds(
  fromMs: number,
  untilMs: number | null,
  grainMs: number,
): { lo: number; aligned: number; fineFrom: number } {
  const aligned = Math.ceil(fromMs / grainMs) * grainMs;
  return { lo: fromMs, aligned, fineFrom: Math.max(untilMs ?? aligned, aligned) };
}

/**
 * Runs `outer` over `rows (t, <columns>)`: the span's rows from `fromMs` on. `$1` is the pipeline;
 * `where` (conditions on both tables, e.g. `AND source_partition = $5`) numbers its parameters
 * from `$5`, given in `params`.
 */
export async function querySpan<T>(
  dataSource: DataSource,
  span: RollupSpan,
  q: {
    readonly pipeline: string;
    readonly fromMs: number;
    readonly columns: string;
    readonly where?: string;
    readonly params?: readonly unknown[];
    readonly outer: string;
    /** `$n` parameters of `outer`, numbered after `params`. */
    readonly outerParams?: readonly unknown[];
  },
): Promise<T[]> {
  const done: { until: Date }[] = await dataSource.query(
    'SELECT until FROM rollup_compaction WHERE pipeline = $1 AND kind = $2',
    [q.pipeline, span.kind],
  );
  const b = spanBounds(q.fromMs, done[0]?.until.getTime() ?? null, span.grainMs);
  const where = q.where ?? '';
  const iso = (ms: number) => new Date(ms).toISOString();
  return dataSource.query(
    `WITH rows AS (
       SELECT ${span.coarseTime} AS t, ${q.columns} FROM ${span.coarse}
        WHERE pipeline = $1 AND ${span.coarseTime} >= $3::timestamptz AND ${span.coarseTime} < $4::timestamptz ${where}
       UNION ALL
       SELECT ${span.fineTime} AS t, ${q.columns} FROM ${span.fine}
        WHERE pipeline = $1 AND ${span.fineTime} >= $2::timestamptz AND ${span.fineTime} < $3::timestamptz ${where}
       UNION ALL
       SELECT ${span.fineTime} AS t, ${q.columns} FROM ${span.fine}
        WHERE pipeline = $1 AND ${span.fineTime} >= $4::timestamptz ${where}
     )
     ${q.outer}`,
    [q.pipeline, iso(b.lo), iso(b.aligned), iso(b.fineFrom), ...(q.params ?? []), ...(q.outerParams ?? [])],
  );
}

export const WATERMARK_SPAN: RollupSpan = {
  fine: 'watermark_minute',
  fineTime: 'minute',
  coarse: 'watermark_minute_15m',
  coarseTime: 'bucket',
  kind: 'watermark_15m',
  grainMs: 15 * 60_000,
};
