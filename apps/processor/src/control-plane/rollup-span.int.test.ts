import { randomBytes } from 'node:crypto';
import { createDataSource } from '../adapters/postgres/data-source';
import { LatenessRepository } from './lateness/lateness.repository';
import { OverviewRepository } from './overview/overview.repository';
import { StatsRepository } from './stats/stats.repository';
import { LATENESS_SPAN, OUTCOME_SPAN, querySpan, spanBounds } from './rollup-span';
import { timeWindow } from './time-window';
import { WatermarksRepository } from './watermarks/watermarks.repository';

// Integration tier: real Postgres with the real migrations. The rollups read at two grains (the
// minutes and what dedup_rollups_compact folded) count every minute once, before and after a fold.
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');

describe('rollups folded into 15-minute and hourly rows, on real Postgres', () => {
  const dataSource = createDataSource(databaseUrl, 2);
  const pipeline = `span-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    await dataSource.initialize();
    // Three hours of minutes (2 partitions, two outcomes), and lateness rows, up to now.
    await dataSource.query(
      `INSERT INTO outcome_rollup (pipeline, minute, source_partition, outcome, count)
       SELECT $1, m, p, o, 1 + p FROM generate_series(date_trunc('minute', now()) - interval '3 hours',
                                                     date_trunc('minute', now()), interval '1 minute') m,
              generate_series(0, 1) p, unnest(ARRAY['unique', 'late']) o`,
      [pipeline],
    );
    await dataSource.query(
      `INSERT INTO lateness_rollup (pipeline, minute, source_topic, source_partition, late, bucket, count)
       SELECT $1, m, 'raw', p, b > 200, b, 2 FROM generate_series(date_trunc('minute', now()) - interval '3 hours',
                                                                  date_trunc('minute', now()), interval '1 minute') m,
              generate_series(0, 1) p, generate_series(199, 202) b`,
      [pipeline],
    );
  });
  // Written before anything is folded, as the samplers write them (each minute as it passes).
  beforeAll(async () => {
    // Per minute: partition 0 trails by 10 s, except one minute 2 h ago by 90 s.
    await dataSource.query(
      `INSERT INTO watermark_minute (pipeline, minute, topic, partition, max_event_time, sampled_at)
       SELECT $1, m, 'raw', 0,
              m - CASE WHEN m = date_trunc('minute', now()) - interval '2 hours' THEN interval '90 seconds'
                       ELSE interval '10 seconds' END,
              m
         FROM generate_series(date_trunc('minute', now()) - interval '3 hours', date_trunc('minute', now()),
                              interval '1 minute') m`,
      [pipeline],
    );
  });

  afterAll(async () => {
    for (const t of [
      'watermark_minute',
      'watermark_minute_15m',
      'outcome_rollup',
      'outcome_rollup_15m',
      'outcome_total',
      'lateness_rollup',
      'lateness_rollup_hour',
      'rollup_compaction',
    ]) {
      await dataSource.query(`DELETE FROM ${t} WHERE pipeline = $1`, [pipeline]);
    }
    await dataSource.destroy();
  });

  const fineSum = async (table: string, fromMs: number, partition?: number) => {
    const [row] = await dataSource.query<{ n: string }[]>(
      `SELECT coalesce(sum(count), 0)::text AS n FROM ${table}
        WHERE pipeline = $1 AND minute >= to_timestamp($2 / 1000.0) ${partition === undefined ? '' : 'AND source_partition = $3'}`,
      [pipeline, fromMs, ...(partition === undefined ? [] : [partition])],
    );
    return Number(row?.n);
  };
  const spanSum = async (span: typeof OUTCOME_SPAN, fromMs: number) => {
    const [row] = await querySpan<{ n: string }>(dataSource, span, {
      pipeline,
      fromMs,
      columns: 'count',
      outer: 'SELECT coalesce(sum(count), 0)::text AS n FROM rows',
    });
    return Number(row?.n);
  };

  it('counts every minute once from a ragged start, before and after the fold', async () => {
    const allTime = await fineSum('outcome_rollup', 0);
    const before = await new StatsRepository(dataSource).outcomeCounts(pipeline);
    expect(before.totals.unique + before.totals.late).toBe(allTime);
    // A start that is no whole 15 minutes or hour: 2 h 37 min ago, on a minute.
    const from = Math.floor((Date.now() - (2 * 60 + 37) * 60_000) / 60_000) * 60_000;
    const want = {
      outcome: await fineSum('outcome_rollup', from),
      lateness: await fineSum('lateness_rollup', from),
    };
    expect(want.outcome).toBeGreaterThan(0);
    expect(await spanSum(OUTCOME_SPAN, from)).toBe(want.outcome);
    expect(await spanSum(LATENESS_SPAN, from)).toBe(want.lateness);

    await dataSource.query('SELECT dedup_rollups_compact($1)', [pipeline]);
    const folded = await dataSource.query<{ kind: string; until: Date }[]>(
      'SELECT kind, until FROM rollup_compaction WHERE pipeline = $1 ORDER BY kind',
      [pipeline],
    );
    expect(folded.map((f) => f.kind)).toEqual(['lateness_hour', 'outcome_15m', 'watermark_15m']);
    for (const f of folded) expect(f.until.getTime()).toBeLessThanOrEqual(Date.now() - 5 * 60_000);
    // The all-time totals hold across the fold (outcome_total + the minutes not folded yet).
    const totals = await new StatsRepository(dataSource).outcomeCounts(pipeline);
    expect(totals.totals.unique + totals.totals.late).toBe(await fineSum('outcome_rollup', 0));
    const [coarse] = await dataSource.query<{ n: string }[]>(
      'SELECT count(*)::text AS n FROM outcome_rollup_15m WHERE pipeline = $1',
      [pipeline],
    );
    expect(Number(coarse?.n)).toBeGreaterThan(0);
    expect(await spanSum(OUTCOME_SPAN, from)).toBe(want.outcome);
    expect(await spanSum(LATENESS_SPAN, from)).toBe(want.lateness);
    // Folding again adds nothing.
    await dataSource.query('SELECT dedup_rollups_compact($1)', [pipeline]);
    expect(await spanSum(OUTCOME_SPAN, from)).toBe(want.outcome);
  });

  it('the overview per 15 minutes and the lateness reads agree with the minutes, per partition too', async () => {
    await dataSource.query('SELECT dedup_rollups_compact($1)', [pipeline]);
    const window = timeWindow('24h', Date.now());
    const steps = await new OverviewRepository(dataSource).outcomesPerStep(pipeline, window);
    const total = steps.reduce((n, s) => n + Number(s.n), 0);
    expect(total).toBe(await fineSum('outcome_rollup', window.fromMs));
    const lateness = new LatenessRepository(dataSource);
    const from = Date.now() - 2 * 3_600_000;
    const byPartition = await lateness.outcomes({ pipeline, fromMs: from, partition: 1 });
    expect((byPartition.get('unique') ?? 0) + (byPartition.get('late') ?? 0)).toBe(
      await fineSum(
        'outcome_rollup',
        Math.floor(from / 60_000) * 60_000 + (from % 60_000 === 0 ? 0 : 60_000),
        1,
      ),
    );
    const buckets = await lateness.buckets({ pipeline, fromMs: from, partition: 0 });
    expect(buckets.reduce((n, b) => n + Number(b.n), 0)).toBe(
      await fineSum(
        'lateness_rollup',
        Math.floor(from / 60_000) * 60_000 + (from % 60_000 === 0 ? 0 : 60_000),
        0,
      ),
    );
  });

  it("watermark lag per 15 minutes keeps each 15 minutes' largest lag, folded or not", async () => {
    const repo = new WatermarksRepository(dataSource);
    const window = timeWindow('24h', Date.now());
    const lags = async () =>
      (await repo.lagPerStep(pipeline, 'raw', window, 0)).map((r) => r.lag_ms).sort((a, b) => b - a);
    const before = await lags();
    await dataSource.query('SELECT dedup_rollups_compact($1)', [pipeline]);
    const after = await lags();
    expect(after).toEqual(before);
    expect(after[0]).toBeCloseTo(90_000, 0);
    expect(after.at(-1)).toBeCloseTo(10_000, 0);
  });

  it('splits a range into its ragged start, the folded rows and the minutes after', () => {
    const grain = 15 * 60_000;
    expect(spanBounds(7 * 60_000, 60 * 60_000, grain)).toEqual({
      lo: 7 * 60_000,
      aligned: grain,
      fineFrom: 60 * 60_000,
    });
    // Nothing folded yet, or folded only before the range: minutes all the way.
    expect(spanBounds(7 * 60_000, null, grain).fineFrom).toBe(grain);
    expect(spanBounds(7 * 60_000, 0, grain).fineFrom).toBe(grain);
  });
});
