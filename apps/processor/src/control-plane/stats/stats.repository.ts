import { Inject, Injectable } from '@nestjs/common';
import { isOutcome, zeroOutcomeCounts, type OutcomeCounts } from '@dedup/contracts';
import { DataSource } from 'typeorm';

/** Reads the per-minute rollups (never the audit rows) for the console's counters. */
@Injectable()
export class StatsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * All-time totals: what the housekeeping fold has added to outcome_total, plus the per-minute
   * rows it has not folded yet (from `rollup_compaction.until` on; migration 1764000000010). The
   * per-minute rows are pruned after AUDIT_RETENTION_DAYS, the totals stay.
   */
  async outcomeCounts(pipeline: string): Promise<{ totals: OutcomeCounts; lastFiveMinutes: OutcomeCounts }> {
    const folded: { until: Date }[] = await this.dataSource.query(
      `SELECT until FROM rollup_compaction WHERE pipeline = $1 AND kind = 'outcome_15m'`,
      [pipeline],
    );
    const until = folded[0]?.until.toISOString() ?? null;
    const rows: { outcome: string; total: string; recent: string }[] = await this.dataSource.query(
      `SELECT outcome, sum(total)::text AS total, sum(recent)::text AS recent
         FROM (SELECT outcome, count AS total, 0 AS recent FROM outcome_total WHERE pipeline = $1 AND $2::timestamptz IS NOT NULL
               UNION ALL
               SELECT outcome, count,
                      CASE WHEN minute >= date_trunc('minute', now()) - interval '4 minutes' THEN count ELSE 0 END
                 FROM outcome_rollup
                WHERE pipeline = $1 AND minute >= coalesce($2::timestamptz, '-infinity'::timestamptz)) x
        GROUP BY outcome`,
      [pipeline, until],
    );
    const totals = zeroOutcomeCounts();
    const lastFiveMinutes = zeroOutcomeCounts();
    for (const row of rows) {
      if (!isOutcome(row.outcome)) continue;
      totals[row.outcome] = Number(row.total);
      lastFiveMinutes[row.outcome] = Number(row.recent);
    }
    return { totals, lastFiveMinutes };
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
