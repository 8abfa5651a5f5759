// The DLQ triage queries at scale (issue 14: "list/group queries answer in < 100 ms with 1M DLQ
// rows"; docs/benchmarks.md, "DLQ triage queries"). Fills a scratch pipeline of a migrated database
// with N DLQ records through the real schema (its triggers keep the group statistics), then times the
// processor's own repository methods (apps/processor/dist: the SQL the API runs), medians over rounds.
// Run alone against a stack's database, or as the last stage of `npm run bench`.
//
//   node tools/dev.ts tool tools/bench/dlq-queries.ts --database-url postgres://…/dedup [--rows 1000000]
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timeQueries, type QueryTiming } from './query-timings.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PIPELINE = 'bench.dlq-queries';

export interface DlqQueryResult {
  readonly records: number;
  readonly fill_s: number;
  readonly rounds: number;
  readonly timings: QueryTiming[];
}

interface Repo {
  totals(pipeline: string, status: string): Promise<unknown>;
  groups(pipeline: string, status: string): Promise<{ fingerprint: string; sampleId: string }[]>;
  list(
    pipeline: string,
    filter: Record<string, unknown>,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ records: unknown[]; nextCursor: string | null }>;
  get(pipeline: string, id: string): Promise<unknown>;
}

/** Fills the scratch pipeline (replacing an earlier fill) and times every triage query. */
export async function benchDlqQueries(
  databaseUrl: string,
  records: number,
  rounds: number,
  log: (msg: string) => void,
): Promise<DlqQueryResult> {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  const { DataSource } = require('typeorm') as typeof import('typeorm');
  const dist = (p: string) => path.join(repoRoot, 'apps/processor/dist', p);
  const { DlqRepository } = require(dist('control-plane/dlq/dlq.repository.js')) as {
    DlqRepository: new (ds: InstanceType<typeof DataSource>) => Repo;
  };
  const dataSource = new DataSource({ type: 'postgres', url: databaseUrl, poolSize: 2 });
  await dataSource.initialize();
  try {
    const started = Date.now();
    log(`dlq queries: filling ${records} DLQ records (pipeline ${PIPELINE}) ...`);
    await dataSource.query(`DELETE FROM dlq_record WHERE pipeline = $1`, [PIPELINE]);
    await dataSource.query(`DELETE FROM dlq_failure_hourly WHERE pipeline = $1`, [PIPELINE]);
    // Four causes, spread over the last day and 12 partitions; values like real JSON events.
    for (let from = 1; from <= records; from += 250_000) {
      await dataSource.query(
        `INSERT INTO dlq_record (pipeline, source_topic, source_partition, source_offset, original_value,
                                 original_headers, error_type, error_message, pipeline_version,
                                 first_failure_at, last_failure_at)
         SELECT $1, 'events.raw', g % 12, g,
                convert_to('{"event_id":"evt-' || g || '","event_type":"order.created","payload":{"n":' || g || '}}', 'UTF8'),
                '{"x-client":"bench"}'::jsonb,
                (ARRAY['invalid_json', 'schema_violation', 'payload_too_large', 'event_time_in_future'])[1 + g % 4],
                CASE g % 4
                  WHEN 0 THEN 'record value is not JSON: Unexpected token ''' || (g % 7) || ''', "x' || g || '" is not valid JSON'
                  WHEN 1 THEN 'event_time: Invalid input; payload.f' || (g % 30) || ': Required'
                  WHEN 2 THEN 'record is ' || (2000000 + g) || ' bytes, above the limit of 1048576'
                  ELSE 'event_time 2026-12-0' || (1 + g % 9) || 'T00:00:00.000Z is ' || g || ' ms ahead' END,
                'bench', now() - (g % 86400) * interval '1 second', now() - (g % 86400) * interval '1 second'
           FROM generate_series($2::bigint, $3::bigint) g`,
        [PIPELINE, from, Math.min(records, from + 249_999)],
      );
    }
    // A tenth discarded, so the statuses differ.
    await dataSource.query(
      `UPDATE dlq_record SET status = 'discarded', status_reason = 'bench'
        WHERE pipeline = $1 AND source_offset % 10 = 0`,
      [PIPELINE],
    );
    await dataSource.query('ANALYZE dlq_record');
    const fillS = Math.round((Date.now() - started) / 100) / 10;
    log(`dlq queries: filled in ${fillS} s`);

    const repo = new DlqRepository(dataSource);
    const groups = await repo.groups(PIPELINE, 'open');
    const fingerprint = groups[0]?.fingerprint ?? '0000000000000000';
    const sample = groups[0]?.sampleId ?? '1';
    const page2 = (await repo.list(PIPELINE, {}, undefined, 50)).nextCursor ?? undefined;
    const queries: [string, () => Promise<number>][] = [
      ['totals (open)', async () => (await repo.totals(PIPELINE, 'open'), 1)],
      ['groups (open)', async () => (await repo.groups(PIPELINE, 'open')).length],
      ['groups (discarded)', async () => (await repo.groups(PIPELINE, 'discarded')).length],
      ['list, newest 50', async () => (await repo.list(PIPELINE, {}, undefined, 50)).records.length],
      ['list, second page', async () => (await repo.list(PIPELINE, {}, page2, 50)).records.length],
      [
        'list, a group (open)',
        async () =>
          (await repo.list(PIPELINE, { fingerprint, status: 'open' }, undefined, 50)).records.length,
      ],
      [
        'list, error type + partition',
        async () =>
          (await repo.list(PIPELINE, { errorType: 'schema_violation', sourcePartition: 1 }, undefined, 50))
            .records.length,
      ],
      [
        'list, value contains (rare)',
        async () => (await repo.list(PIPELINE, { q: 'evt-999983' }, undefined, 50)).records.length,
      ],
      ['one record', async () => ((await repo.get(PIPELINE, sample)) === null ? 0 : 1)],
    ];
    const timings = await timeQueries(queries, rounds, log, 'dlq queries');
    return { records, fill_s: fillS, rounds, timings };
  } finally {
    await dataSource.destroy();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string', default: 'postgres://postgres:password@127.0.0.1:15432/dedup' },
      rows: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '20' },
    },
  });
  const result = await benchDlqQueries(
    values['database-url'],
    Number(values.rows),
    Number(values.rounds),
    (msg) => process.stdout.write(`${msg}\n`),
  );
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
