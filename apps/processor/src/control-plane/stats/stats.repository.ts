import { Inject, Injectable } from '@nestjs/common';
import { isOutcome, zeroOutcomeCounts, type OutcomeCounts } from '@dedup/contracts';
import { DataSource } from 'typeorm';

/** Reads the per-minute rollups (never the audit rows) for the console's counters. */
@Injectable()
export class StatsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async outcomeCounts(pipeline: string): Promise<{ totals: OutcomeCounts; lastFiveMinutes: OutcomeCounts }> {
    const rows: { outcome: string; total: string; recent: string }[] = await this.dataSource.query(
      `SELECT outcome,
              sum(count)::text AS total,
              (coalesce(sum(count) FILTER (WHERE minute >= date_trunc('minute', now()) - interval '4 minutes'), 0))::text AS recent
         FROM outcome_rollup WHERE pipeline = $1 GROUP BY outcome`,
      [pipeline],
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
