// The batch transaction alone (issue 16): batches of fresh events through the processor's own
// BatchDecider (apps/processor/dist) against a running stack's Postgres, one after the other, with
// nothing else running: no Kafka, no other batches, no load generator. Prints CPU per event of the
// Node side (parse, fingerprint, the engine, the parameters, the client) and of the Postgres
// backends it used (from /proc: Postgres must run on this machine), WAL per event and ms per batch:
// the floor under what `npm run bench` measures for the Postgres half on a busy box.
//
//   npm run stack &   # or any Postgres with the migrations applied, on this machine
//   npm run bench:pg-batch -- [--sizes 10,60,1000] [--events 30000] [--partitions 1]
//     [--database-url postgres://postgres:password@127.0.0.1:15432/dedup]
//
// --partitions N: each transaction is a round of N partitions' batches of --sizes records each
// (BatchDecider.decideRound, docs/adr/0019), as the processor's round transaction takes them.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgres://postgres:password@127.0.0.1:15432/dedup' },
    sizes: { type: 'string', default: '10,60,1000' },
    events: { type: 'string', default: '30000' },
    'duplicate-ratio': { type: 'string', default: '0.1' },
    partitions: { type: 'string', default: '1' },
  },
});
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const dist = (p: string) => path.join(repoRoot, 'apps/processor/dist', p);

/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-member-access -- the processor's compiled CommonJS, loaded at run time */
const { loadConfig } = require(dist('platform/config/app-config.js'));
const { createDataSource } = require(dist('adapters/postgres/data-source.js'));
const { DedupRepository } = require(dist('data-plane/dedup.repository.js'));
const { BatchDecider } = require(dist('data-plane/pipeline/batch-decider.js'));
const { MetricsService } = require(dist('platform/metrics/metrics.service.js'));
const { JsonLogger } = require(dist('platform/logging/json-logger.js'));
const { StateCache, parseRecord } = require('@dedup/core');

const databaseUrl = values['database-url'];
const sizes = values.sizes.split(',').map(Number);
const eventsPerSize = Number(values.events);
const duplicateRatio = Number(values['duplicate-ratio']);
const partitions = Number(values.partitions);
if (!Number.isInteger(partitions) || partitions < 1)
  throw new Error('--partitions must be a positive integer');
const PAYLOAD = randomBytes(96).toString('hex'); // 192 chars: ~256-byte events, as the bench's

const config = loadConfig({
  PIPELINE_NAME: `pgbatch${randomBytes(3).toString('hex')}`,
  DATABASE_URL: databaseUrl,
});
const dataSource = await createDataSource(databaseUrl, 2).initialize();
const cache = new StateCache(config.state.cacheSize);
const decider = new BatchDecider(
  config,
  new DedupRepository(dataSource, config.pipeline),
  cache,
  new MetricsService(),
  new JsonLogger('error'),
);

const cpuTicks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (1/100 s)
};
const backends = async (): Promise<number[]> =>
  (
    (await dataSource.query(
      `SELECT pid FROM pg_stat_activity WHERE application_name = 'dedup-processor' AND datname = current_database()`,
    )) as { pid: number }[]
  ).map((r) => r.pid);
const walBytes = async (): Promise<number> =>
  Number(((await dataSource.query(`SELECT wal_bytes::text AS b FROM pg_stat_wal`)) as { b: string }[])[0]?.b);

const offsets = new Map<number, number>();
/** Decisions by outcome: a run that decided anything but unique and duplicate measured the wrong thing. */
const outcomes = new Map<string, number>();
const recent: string[] = [];
function batch(size: number, now: number, partition: number) {
  return Array.from({ length: size }, () => {
    const duplicate = recent.length > 0 && Math.random() < duplicateRatio;
    const id = duplicate ? (recent[Math.floor(Math.random() * recent.length)] ?? randomUUID()) : randomUUID();
    if (!duplicate) {
      recent.push(id);
      if (recent.length > 10_000) recent.shift();
    }
    const value = Buffer.from(
      JSON.stringify({
        event_id: id,
        event_type: 'bench',
        event_time: now,
        schema_version: 1,
        payload: { p: PAYLOAD },
      }),
    );
    const offset = offsets.get(partition) ?? 0;
    offsets.set(partition, offset + 1);
    const coords = { topic: 'bench.raw', partition, offset: String(offset) };
    return {
      parsed: parseRecord(value, coords, { maxPayloadBytes: 1_048_576, now, maxFutureSkewMs: 60_000 }),
      raw: { key: null, value, headers: {} },
      trace: { traceId: randomBytes(16).toString('hex') },
    };
  });
}

async function run(size: number, events: number): Promise<void> {
  // Transactions: each a round of `partitions` batches of `size` records.
  const batches = Math.max(1, Math.round(events / (size * partitions)));
  const go = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const now = Date.now();
      const round = Array.from({ length: partitions }, (_, partition) => {
        const records = batch(size, now, partition);
        return {
          topic: 'bench.raw',
          partition,
          records,
          lastOffset: String((offsets.get(partition) ?? 1) - 1),
        };
      });
      const decided = (await decider.decideRound(round, now)) as { decisions: { outcome: string }[] }[];
      for (const d of decided.flatMap((one) => one.decisions)) {
        outcomes.set(d.outcome, (outcomes.get(d.outcome) ?? 0) + 1);
      }
    }
  };
  await go(Math.max(3, Math.round(batches / 10))); // warm-up: JIT, prepared statements, caches
  const pids = await backends();
  const pg0 = pids.map(cpuTicks);
  const node0 = process.cpuUsage();
  const wal0 = await walBytes();
  const t0 = performance.now();
  await go(batches);
  const ms = performance.now() - t0;
  const node = process.cpuUsage(node0);
  const pgTicks = pids.reduce((sum, pid, i) => sum + cpuTicks(pid) - (pg0[i] ?? 0), 0);
  const n = batches * size * partitions;
  const wal = (await walBytes()) - wal0;
  process.stdout.write(
    `| ${partitions} × ${size} | ${batches} | ${(ms / batches).toFixed(2)} | ${Math.round((node.user + node.system) / n)} | ` +
      `${Math.round((pgTicks * 10_000) / n)} | ${Math.round(wal / n)} |\n`,
  );
}

process.stdout.write(
  `The batch transaction alone: ${eventsPerSize} events per batch size, ${duplicateRatio * 100} % duplicates, ` +
    `${partitions} partition(s) a transaction, transactions one after the other (${config.pipeline.name}).\n\n` +
    '| partitions × records/batch | transactions | ms/transaction | Node µs/event | Postgres µs/event | WAL bytes/event |\n' +
    '| ---: | ---: | ---: | ---: | ---: | ---: |\n',
);
for (const size of sizes) await run(size, eventsPerSize);
await dataSource.destroy();
process.stdout.write(`\noutcomes: ${JSON.stringify(Object.fromEntries(outcomes))}\n`);
if ([...outcomes.keys()].some((o) => o !== 'unique' && o !== 'duplicate')) {
  process.stderr.write(
    'some records were not valid events: the figures above are not the batch transaction\n',
  );
  process.exitCode = 1;
}
