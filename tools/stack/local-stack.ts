// Brings up the local Kafka broker and PostgreSQL, or uses external ones when KAFKA_BROKERS /
// DATABASE_URL are set. Used by `npm start`, `npm test` and `npm run stack`.
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { ensureKafkaDistribution, startKafka, type KafkaBroker } from './kafka/kafka-broker.ts';
import { choosePort, type StackPorts } from './ports.ts';
import { startPostgres, type PostgresServer } from './postgres-server.ts';

export type { StackPorts } from './ports.ts';

export interface LocalStack {
  readonly kafkaBrokers: string;
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

export function cacheDir(): string {
  return (
    process.env['DEDUP_CACHE_DIR'] ??
    path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'dedup-operator')
  );
}

export async function startLocalStack(opts: {
  repoRoot: string;
  runDir: string;
  ports: StackPorts;
  database: string;
  log: (msg: string) => void;
}): Promise<LocalStack> {
  await mkdir(opts.runDir, { recursive: true });
  const externalKafka = process.env['KAFKA_BROKERS'];
  const externalDb = process.env['DATABASE_URL'];
  let broker: KafkaBroker | undefined;
  let postgres: PostgresServer | undefined;
  const stop = async () => {
    await Promise.allSettled([broker?.stop(), postgres?.stop()]);
  };
  try {
    // The preferred ports where free, the next free ones otherwise (tools/stack/ports.ts); only for
    // what runs here: an external broker on 9092 is not a reason to move.
    const taken = new Set<number>();
    const portOpts = { log: opts.log, taken };
    const kafkaPorts = externalKafka
      ? undefined
      : {
          port: await choosePort('Kafka', opts.ports.kafka, portOpts),
          controllerPort: await choosePort('Kafka controller', opts.ports.kafkaController, portOpts),
        };
    const pgPort = externalDb ? undefined : await choosePort('PostgreSQL', opts.ports.postgres, portOpts);
    const kafkaStarting =
      kafkaPorts === undefined
        ? Promise.resolve(undefined)
        : ensureKafkaDistribution({ cacheDir: cacheDir(), log: opts.log }).then((libDir) =>
            startKafka({ libDir, runDir: opts.runDir, ...kafkaPorts, log: opts.log }),
          );
    const pgStarting =
      pgPort === undefined
        ? Promise.resolve(undefined)
        : startPostgres({ repoRoot: opts.repoRoot, runDir: opts.runDir, port: pgPort, log: opts.log });
    // Start both before awaiting either, and keep a handle on whichever succeeds so it is stopped
    // even if the other fails.
    const [k, p] = await Promise.allSettled([kafkaStarting, pgStarting]);
    if (k.status === 'fulfilled') broker = k.value;
    if (p.status === 'fulfilled') postgres = p.value;
    if (k.status === 'rejected') throw k.reason;
    if (p.status === 'rejected') throw p.reason;
    const kafkaBrokers = externalKafka ?? broker?.bootstrap ?? '';
    const databaseUrl =
      externalDb ?? (await createDatabase(opts.repoRoot, postgres?.url ?? '', opts.database));
    await writeFile(
      path.join(opts.runDir, 'stack.json'),
      JSON.stringify(
        { kafkaBrokers, kafkaPid: broker?.pid, postgresPid: postgres?.pid, runDir: opts.runDir },
        null,
        2,
      ),
    );
    return { kafkaBrokers, databaseUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createDatabase(repoRoot: string, adminUrl: string, name: string): Promise<string> {
  const { createRequire } = await import('node:module');
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
