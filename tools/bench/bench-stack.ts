// The benchmark's own Kafka broker and PostgreSQL (fresh data, never the external KAFKA_BROKERS /
// DATABASE_URL: a benchmark must know what it measures), with the pids bench.ts samples CPU from.
// Same building blocks as tools/stack/local-stack.ts.
import { createRequire } from 'node:module';
import path from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { ensureKafkaDistribution, startKafka, type KafkaBroker } from '../stack/kafka/kafka-broker.ts';
import { cacheDir } from '../stack/local-stack.ts';
import { choosePorts, type StackPorts } from '../stack/ports.ts';
import { startPostgres, type PostgresServer } from '../stack/postgres-server.ts';

/** The bench's Postgres settings over the local stack's (tools/stack/postgres-server.ts). */
export const BENCH_PG_SETTINGS: readonly string[] = ['shared_preload_libraries=pg_stat_statements'];

/**
 * `npm run bench -- --durable`: Postgres as production runs it. The local stack's server has fsync,
 * synchronous_commit and full_page_writes off (tools/stack/postgres-server.ts); these win over it.
 */
export const DURABLE_PG_SETTINGS: readonly string[] = [
  'fsync=on',
  'synchronous_commit=on',
  'full_page_writes=on',
];

export interface BenchStack {
  readonly kafkaBrokers: string;
  readonly databaseUrl: string;
  readonly kafkaPid: number;
  readonly postgresPid: number;
  /** Stops both; removes the broker's data (GBs after a full run) unless `keepData`. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export async function startBenchStack(opts: {
  repoRoot: string;
  runDir: string;
  ports: StackPorts;
  database: string;
  log: (msg: string) => void;
  /** More Postgres settings, name=value, after BENCH_PG_SETTINGS (a later one wins). */
  pgSettings?: readonly string[];
}): Promise<BenchStack> {
  await mkdir(opts.runDir, { recursive: true });
  const ports = await choosePorts(opts.ports, opts.log);
  const kafkaStarting = ensureKafkaDistribution({ cacheDir: cacheDir(), log: opts.log }).then((libDir) =>
    startKafka({
      libDir,
      runDir: opts.runDir,
      port: ports.kafka,
      controllerPort: ports.kafkaController,
      log: opts.log,
    }),
  );
  const pgStarting = startPostgres({
    // Per-statement time and rows during the profile step: Postgres's half of the "flame graph".
    settings: [...BENCH_PG_SETTINGS, ...(opts.pgSettings ?? [])],
    repoRoot: opts.repoRoot,
    runDir: opts.runDir,
    port: ports.postgres,
    log: opts.log,
  });
  const [k, p] = await Promise.allSettled([kafkaStarting, pgStarting]);
  const broker: KafkaBroker | undefined = k.status === 'fulfilled' ? k.value : undefined;
  const postgres: PostgresServer | undefined = p.status === 'fulfilled' ? p.value : undefined;
  const stop = async (stopOpts?: { keepData?: boolean }) => {
    await Promise.allSettled([broker?.stop(), postgres?.stop()]);
    if (stopOpts?.keepData !== true) {
      await rm(path.join(opts.runDir, 'kafka', 'data'), { recursive: true, force: true });
    }
  };
  try {
    if (k.status === 'rejected') throw k.reason;
    if (p.status === 'rejected') throw p.reason;
    if (broker === undefined || postgres === undefined) throw new Error('stack did not start');
    const databaseUrl = await createDatabase(opts.repoRoot, postgres.url, opts.database);
    return {
      kafkaBrokers: broker.bootstrap,
      databaseUrl,
      kafkaPid: broker.pid,
      postgresPid: postgres.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createDatabase(repoRoot: string, adminUrl: string, name: string): Promise<string> {
  const pg = createRequire(path.join(repoRoot, 'package.json'))('pg') as typeof import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
