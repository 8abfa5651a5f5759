import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TimeWindow } from '../time-window';

export interface OutcomeStepRow {
  readonly step_ms: string;
  readonly outcome: string;
  readonly n: string;
}

/** One step's health: latency buckets summed over instances, the gauges' worst minute. */
export interface HealthStepRow {
  readonly step_ms: string;
  readonly latency_counts: string[] | null;
  readonly consumer_lag: string | null;
  readonly dlq_open: string | null;
  readonly dlq_oldest_age_s: number | null;
}

export interface CurrentHealthRow {
  readonly consumer_lag: string | null;
  readonly dlq_open: string | null;
  readonly dlq_oldest_age_s: number | null;
  readonly sampled_at: Date | null;
}

/**
 * The overview's time series, from the rollups only (migration 1764000000010): outcome counts per
 * 10 s or per minute, written in each batch's transaction, and the health rows every instance
 * samples per minute. Each read is a range scan of a primary key that starts with (pipeline, time),
 * so its cost grows with the range's rows (7 days: ~10k minutes), never with the audit.
 */
@Injectable()
export class OverviewRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Outcome counts per step: from the 10-s rollup when the step is finer than a minute. */
  async outcomesPerStep(pipeline: string, window: TimeWindow, partition?: number): Promise<OutcomeStepRow[]> {
    const tenSeconds = window.stepMs < 60_000;
    if (tenSeconds && partition !== undefined) throw new Error('the 10-s rollup has no partition');
    return this.dataSource.query(
      tenSeconds
        ? `SELECT (extract(epoch FROM date_bin(make_interval(secs => $3 / 1000.0), bucket, timestamptz 'epoch')) * 1000)::bigint::text AS step_ms,
                  outcome, sum(count)::text AS n
             FROM outcome_rollup_10s
            WHERE pipeline = $1 AND bucket >= to_timestamp($2 / 1000.0)
            GROUP BY 1, 2`
        : `SELECT (extract(epoch FROM date_bin(make_interval(secs => $3 / 1000.0), minute, timestamptz 'epoch')) * 1000)::bigint::text AS step_ms,
                  outcome, sum(count)::text AS n
             FROM outcome_rollup
            WHERE pipeline = $1 AND minute >= to_timestamp($2 / 1000.0) ${partition === undefined ? '' : 'AND source_partition = $4'}
            GROUP BY 1, 2`,
      [pipeline, window.fromMs, window.stepMs, ...(partition === undefined ? [] : [partition])],
    );
  }

  /**
   * Health per step (steps of at least a minute: the rows are per minute). Latency buckets add up
   * over instances and minutes; the gauges are summed over instances per minute
   * (lag: each instance reports its own partitions) or the largest (DLQ: every instance reports the
   * pipeline's), then the step's largest minute.
   */
  async healthPerStep(pipeline: string, window: TimeWindow): Promise<HealthStepRow[]> {
    return this.dataSource.query(
      `WITH rows AS (
         SELECT date_bin(make_interval(secs => $3 / 1000.0), minute, timestamptz 'epoch') AS step, *
           FROM health_minute
          WHERE pipeline = $1 AND minute >= date_trunc('minute', to_timestamp($2 / 1000.0))
       ), per_minute AS (
         SELECT step, minute, sum(consumer_lag) AS consumer_lag, max(dlq_open) AS dlq_open,
                max(dlq_oldest_age_s) AS dlq_oldest_age_s
           FROM rows GROUP BY step, minute
       ), latency AS (
         SELECT step, array_agg(n ORDER BY i) AS latency_counts
           FROM (SELECT step, i, sum(v) AS n
                   FROM rows, unnest(latency_counts) WITH ORDINALITY AS u(v, i)
                  GROUP BY step, i) b
          GROUP BY step
       ), gauges AS (
         SELECT step, max(consumer_lag) AS consumer_lag, max(dlq_open) AS dlq_open,
                max(dlq_oldest_age_s) AS dlq_oldest_age_s
           FROM per_minute GROUP BY step
       )
       SELECT (extract(epoch FROM g.step) * 1000)::bigint::text AS step_ms,
              l.latency_counts::text[] AS latency_counts,
              g.consumer_lag::text, g.dlq_open::text, g.dlq_oldest_age_s
         FROM gauges g LEFT JOIN latency l USING (step)`,
      [pipeline, window.fromMs, Math.max(window.stepMs, 60_000)],
    );
  }

  /** The latest sample of every instance that sampled in the last 30 s (the live ones). */
  async currentHealth(pipeline: string): Promise<CurrentHealthRow> {
    const rows: CurrentHealthRow[] = await this.dataSource.query(
      `WITH latest AS (
         SELECT DISTINCT ON (instance) consumer_lag, dlq_open, dlq_oldest_age_s, sampled_at
           FROM health_minute
          WHERE pipeline = $1 AND minute >= date_trunc('minute', now() - interval '2 minutes')
          ORDER BY instance, minute DESC
       )
       SELECT sum(consumer_lag)::text AS consumer_lag, max(dlq_open)::text AS dlq_open,
              max(dlq_oldest_age_s) AS dlq_oldest_age_s, max(sampled_at) AS sampled_at
         FROM latest WHERE sampled_at > now() - interval '30 seconds'`,
      [pipeline],
    );
    return rows[0] ?? { consumer_lag: null, dlq_open: null, dlq_oldest_age_s: null, sampled_at: null };
  }
}
