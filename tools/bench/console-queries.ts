// The on-call console's queries at scale (issue 15: the overview answers in < 100 ms and a lineage
// lookup in < 100 ms with 10M audit rows; docs/benchmarks.md, "Console queries"). Fills a scratch
// pipeline of a migrated database with N audit rows over the last 7 days (in the day partitions),
// and 7 days of the rollups a busy pipeline writes (per-minute outcomes of 12 partitions, the last
// hour per 10 s, lateness buckets, two instances' health rows, watermark samples); then times the
// processor's own services and repositories (apps/processor/dist: the SQL the API runs).
// Run alone against a stack's database, or as a stage of `npm run bench`.
//
//   node tools/dev.ts tool tools/bench/console-queries.ts --database-url postgres://…/dedup [--rows 10000000]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timeQueries, type QueryTiming } from './query-timings.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PIPELINE = 'bench.console-queries';
const TOPIC = 'events.raw';
const PARTITIONS = 12;
const CHUNK = 1_000_000;

export interface ConsoleQueryResult {
  readonly audit_rows: number;
  readonly rollup_minutes: number;
  readonly fill_s: number;
  readonly rounds: number;
  readonly timings: QueryTiming[];
}

type Params = Record<string, unknown>;
interface Services {
  overview: { overview(q: Params): Promise<{ points: unknown[] }> };
  lateness: { distribution(q: Params): Promise<{ histogram: unknown[] }> };
  exactlyOnce: { perStep(p: string, w: unknown): Promise<unknown[]> };
  watermarks: { lagPerStep(p: string, t: string, w: unknown, ooo: number): Promise<unknown[]> };
  lineage: {
    byEventId(p: string, id: string, limit: number): Promise<{ occurrences: unknown[] }>;
    byDedupKey(p: string, key: string, limit: number): Promise<{ occurrences: unknown[] }>;
    atCoordinates(p: string, at: Params, limit: number): Promise<{ occurrences: unknown[] }>;
  };
  timeWindow(range: string, now: number, minStep?: number): unknown;
}

function load(dataSource: unknown): Services {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const dist = (p: string) =>
    require(path.join(repoRoot, 'apps/processor/dist', p)) as Record<string, unknown>;
  const config = {
    pipeline: { name: PIPELINE, version: 'bench' },
    topics: { input: TOPIC },
    semantics: { allowedLatenessMs: 60_000, keys: [{ name: 'event_id' }] },
  };
  type Ctor = new (...args: unknown[]) => never;
  const make = (file: string, name: string, ...args: unknown[]) => new (dist(file)[name] as Ctor)(...args);
  const overviewRepo = make(
    'control-plane/overview/overview.repository.js',
    'OverviewRepository',
    dataSource,
  );
  const dlqRepo = make('control-plane/dlq/dlq.repository.js', 'DlqRepository', dataSource);
  const latenessRepo = make(
    'control-plane/lateness/lateness.repository.js',
    'LatenessRepository',
    dataSource,
  );
  return {
    overview: make(
      'control-plane/overview/overview.service.js',
      'OverviewService',
      config,
      overviewRepo,
      dlqRepo,
    ),
    lateness: make('control-plane/lateness/lateness.service.js', 'LatenessService', config, latenessRepo),
    exactlyOnce: make(
      'control-plane/exactly-once/exactly-once.repository.js',
      'ExactlyOnceRepository',
      dataSource,
    ),
    watermarks: make('control-plane/watermarks/watermarks.repository.js', 'WatermarksRepository', dataSource),
    lineage: make('control-plane/lineage/lineage.repository.js', 'LineageRepository', dataSource),
    timeWindow: dist('control-plane/time-window.js')['timeWindow'] as Services['timeWindow'],
  };
}

type Query = (sql: string, params?: unknown[]) => Promise<unknown>;

/** Replaces the scratch pipeline's audit rows and rollups with `auditRows` rows and 7 days of rollups. */
async function fillPipeline(q: Query, auditRows: number, log: (msg: string) => void): Promise<void> {
  log(`console queries: filling ${auditRows} audit rows and 7 days of rollups (pipeline ${PIPELINE}) ...`);
  for (const table of [
    'event_audit',
    'outcome_rollup',
    'outcome_rollup_10s',
    'lateness_rollup',
    'outcome_rollup_15m',
    'lateness_rollup_hour',
    'rollup_compaction',
    'health_minute',
    'watermark_minute',
    'watermark_minute_15m',
  ]) {
    await q(`DELETE FROM ${table} WHERE pipeline = $1`, [PIPELINE]);
  }
  await q(
    `SELECT dedup_audit_ensure_partition((now() AT TIME ZONE 'UTC')::date - d) FROM generate_series(0, 7) d`,
  );
  // Records over the last 7 days, 12 partitions; every 10th a duplicate of the one before it (same
  // event id and key), every 100th late, every 1000th invalid.
  for (let from = 1; from <= auditRows; from += CHUNK) {
    const to = Math.min(auditRows, from + CHUNK - 1);
    await q(
      `INSERT INTO event_audit (pipeline, pipeline_version, source_topic, source_partition, source_offset, event_id,
                                dedup_keys, dedup_key, outcome, reason, matched_strategy, first_topic,
                                first_partition, first_offset, event_time, processed_at, watermark, lateness_ms,
                                trace_id, record_hash)
       SELECT $1, 'bench', $2, g % ${PARTITIONS}, g / ${PARTITIONS}, 'evt-' || k,
              ARRAY['event_id:evt-' || k], 'event_id:evt-' || k,
              CASE WHEN g % 1000 = 0 THEN 'invalid' WHEN g % 100 = 0 THEN 'late'
                   WHEN g % 10 = 0 THEN 'duplicate' ELSE 'unique' END,
              CASE WHEN g % 10 = 0 AND g % 100 <> 0 THEN 'duplicate of ' || $2 || '/' || ((g - 1) % ${PARTITIONS}) || '@' || ((g - 1) / ${PARTITIONS}) || ' by event_id' END,
              'event_id', CASE WHEN g % 10 = 0 THEN $2 END, CASE WHEN g % 10 = 0 THEN (g - 1) % ${PARTITIONS} END,
              CASE WHEN g % 10 = 0 THEN (g - 1) / ${PARTITIONS} END,
              at - interval '2 seconds', at, at - interval '1 second', CASE WHEN g % 100 = 0 THEN 90000 END,
              md5(g::text), md5('v' || g)
         FROM generate_series($3::bigint, $4::bigint) g,
              LATERAL (SELECT CASE WHEN g % 10 = 0 THEN g - 1 ELSE g END AS k,
                              now() - (($5::bigint - g) * (604800.0 / $5)) * interval '1 second' AS at) x`,
      [PIPELINE, TOPIC, from, to, auditRows],
    );
    log(`console queries: ${to} audit rows`);
  }
  // The rollups of 7 days: one row per minute, partition and outcome; the last hour per 10 s.
  await q(
    `INSERT INTO outcome_rollup (pipeline, minute, source_partition, outcome, count)
     SELECT $1, m, p, o, 100 + (extract(epoch FROM m)::bigint + p) % 50
       FROM generate_series(date_trunc('minute', now()) - interval '7 days', date_trunc('minute', now()), interval '1 minute') m,
            generate_series(0, ${PARTITIONS - 1}) p, unnest(ARRAY['unique', 'duplicate', 'late', 'invalid', 'failed']) o`,
    [PIPELINE],
  );
  await q(
    `INSERT INTO outcome_rollup_10s (pipeline, bucket, source_partition, outcome, count)
     SELECT $1, b, p, o, 20 FROM generate_series(date_bin('10 seconds', now(), timestamptz 'epoch') - interval '1 hour',
                                                 now(), interval '10 seconds') b,
            generate_series(0, ${PARTITIONS - 1}) p, unnest(ARRAY['unique', 'duplicate', 'late', 'invalid', 'failed']) o`,
    [PIPELINE],
  );
  // Late traffic every minute on every partition: 16 kept and 16 late lateness buckets each.
  await q(
    `INSERT INTO lateness_rollup (pipeline, minute, source_topic, source_partition, late, bucket, count)
     SELECT $1, m, $2, p, b >= 253, b, 1 + b % 7
       FROM generate_series(date_trunc('minute', now()) - interval '7 days', date_trunc('minute', now()), interval '1 minute') m,
            generate_series(0, ${PARTITIONS - 1}) p, generate_series(237, 268) b`,
    [PIPELINE, TOPIC],
  );
  await q(
    `INSERT INTO health_minute (pipeline, minute, instance, tx_committed, tx_aborted, fenced, rebalances,
                                latency_counts, consumer_lag, dlq_open, dlq_oldest_age_s, sampled_at)
     SELECT $1, m, 'bench-' || i, 600, (extract(epoch FROM m)::bigint % 97 = 0)::int, 0, 0,
            ARRAY[0, 10, 200, 3000, 2000, 500, 100, 20, 5, 1, 0, 0, 0, 0]::bigint[], 1000 + i, 42, 3600, m + interval '50 seconds'
       FROM generate_series(date_trunc('minute', now()) - interval '7 days', date_trunc('minute', now()), interval '1 minute') m,
            generate_series(1, 2) i`,
    [PIPELINE],
  );
  await q(
    `INSERT INTO watermark_minute (pipeline, minute, topic, partition, max_event_time, sampled_at)
     SELECT $1, m, $2, p, m - interval '5 seconds', m + interval '50 seconds'
       FROM generate_series(date_trunc('minute', now()) - interval '7 days', date_trunc('minute', now()), interval '1 minute') m,
            generate_series(0, ${PARTITIONS - 1}) p`,
    [PIPELINE, TOPIC],
  );
  // What the housekeeping sweep does every 10 minutes: fold the complete minutes.
  await q('SELECT dedup_rollups_compact($1)', [PIPELINE]);
  for (const table of [
    'event_audit',
    'outcome_rollup',
    'outcome_rollup_10s',
    'outcome_rollup_15m',
    'lateness_rollup',
    'lateness_rollup_hour',
    'health_minute',
    'watermark_minute',
    'watermark_minute_15m',
  ]) {
    await q(`ANALYZE ${table}`);
  }
}

/** Fills the scratch pipeline (replacing an earlier fill) and times every console query. */
export async function benchConsoleQueries(
  databaseUrl: string,
  auditRows: number,
  rounds: number,
  log: (msg: string) => void,
  fill = true,
): Promise<ConsoleQueryResult> {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const { DataSource } = require('typeorm') as typeof import('typeorm');
  const dataSource = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 4 });
  await dataSource.initialize();
  const q = (sql: string, params: unknown[] = []) => dataSource.query(sql, params);
  try {
    const started = Date.now();
    if (fill) await fillPipeline(q, auditRows, log);
    const fillS = Math.round((Date.now() - started) / 100) / 10;
    log(`console queries: filled in ${fillS} s`);

    const s = load(dataSource);
    const [dup] = (await q(
      `SELECT event_id, dedup_key, source_partition, source_offset::text FROM event_audit
        WHERE pipeline = $1 AND outcome = 'duplicate' ORDER BY processed_at DESC LIMIT 1`,
      [PIPELINE],
    )) as { event_id: string; dedup_key: string; source_partition: number; source_offset: string }[];
    if (dup === undefined) throw new Error('no duplicate in the fill');
    const count = <T>(p: Promise<{ [k: string]: unknown[] } & T>, key: string) =>
      p.then((r) => (r as Record<string, unknown[]>)[key]?.length ?? 0);
    const queries: [string, () => Promise<number>][] = [
      ...['15m', '1h', '6h', '24h', '7d'].map((range): [string, () => Promise<number>] => [
        `overview, ${range}`,
        () => count(s.overview.overview({ range }), 'points'),
      ]),
      ['lateness, 1h', () => count(s.lateness.distribution({ range: '1h' }), 'histogram')],
      ['lateness, 7d', () => count(s.lateness.distribution({ range: '7d' }), 'histogram')],
      [
        'lateness, 24h, one partition',
        () => count(s.lateness.distribution({ range: '24h', partition: 3 }), 'histogram'),
      ],
      [
        'exactly-once, 7d',
        async () => (await s.exactlyOnce.perStep(PIPELINE, s.timeWindow('7d', Date.now(), 60))).length,
      ],
      [
        'watermark lag, 7d',
        async () =>
          (await s.watermarks.lagPerStep(PIPELINE, TOPIC, s.timeWindow('7d', Date.now(), 60), 0)).length,
      ],
      ['lineage by event id', () => count(s.lineage.byEventId(PIPELINE, dup.event_id, 100), 'occurrences')],
      [
        'lineage by dedup key',
        () => count(s.lineage.byDedupKey(PIPELINE, dup.dedup_key, 100), 'occurrences'),
      ],
      [
        'lineage by coordinates',
        () =>
          count(
            s.lineage.atCoordinates(
              PIPELINE,
              { topic: TOPIC, partition: dup.source_partition, offset: dup.source_offset },
              100,
            ),
            'occurrences',
          ),
      ],
      [
        'lineage, unknown event id',
        () => count(s.lineage.byEventId(PIPELINE, 'evt-none', 100), 'occurrences'),
      ],
    ];
    const timings = await timeQueries(queries, rounds, log, 'console queries');
    const [minutes] = (await q(
      `SELECT count(DISTINCT minute)::int AS n FROM outcome_rollup WHERE pipeline = $1`,
      [PIPELINE],
    )) as { n: number }[];
    return { audit_rows: auditRows, rollup_minutes: minutes?.n ?? 0, fill_s: fillS, rounds, timings };
  } finally {
    await dataSource.destroy();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string', default: 'postgres://postgres:password@127.0.0.1:15432/dedup' },
      rows: { type: 'string', default: '10000000' },
      rounds: { type: 'string', default: '20' },
      /** Time the queries over the previous fill (same --rows) without filling again. */
      'no-fill': { type: 'boolean', default: false },
    },
  });
  const result = await benchConsoleQueries(
    values['database-url'],
    Number(values.rows),
    Number(values.rounds),
    (msg) => process.stdout.write(`${msg}\n`),
    !values['no-fill'],
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
