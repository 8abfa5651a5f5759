import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
// The same launchers `npm start` and `npm test` use (tools/dev.ts). tools/ is not an Nx project (it runs
// on plain Node before `npm install`), so the module-boundary rule sees it as an outside path.
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  defaultCacheDir,
  ensureKafkaDistribution,
  startKafka,
  type KafkaBroker,
} from '../../tools/stack/kafka/kafka-broker';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { choosePort, choosePorts, DEFAULT_PORTS, type StackPorts } from '../../tools/stack/ports';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startPostgres, type PostgresServer } from '../../tools/stack/postgres-server';

export type ChaosPorts = StackPorts;

/**
 * Ports no other run of this repository uses (tools/stack/ports.ts), below the ephemeral range so no
 * client's outgoing connection can hold one while Postgres or the broker restarts; the next free ones
 * when taken, chosen once per run.
 */
export const CHAOS_PORTS: ChaosPorts = DEFAULT_PORTS.chaos;

const DATABASE = 'dedup_chaos';

/**
 * The harness's own broker and Postgres, which it can crash and restart on the same data. The broker
 * re-registers with its controller quickly after a kill -9 (a short broker session instead of 9 s);
 * Postgres runs crash-safe (synchronous_commit=on), so an acknowledged commit survives its kill -9 as it
 * would in production (fsync stays off: only an OS crash could lose what the kernel holds).
 */
export class ChaosStack {
  private constructor(
    private broker: KafkaBroker,
    private postgres: PostgresServer,
    private readonly libDir: string,
    private readonly opts: {
      readonly repoRoot: string;
      readonly runDir: string;
      readonly ports: ChaosPorts;
      readonly log: (msg: string) => void;
    },
    readonly databaseUrl: string,
  ) {}

  static async start(requested: {
    repoRoot: string;
    runDir: string;
    ports: ChaosPorts;
    log: (msg: string) => void;
  }): Promise<ChaosStack> {
    const libDir = await ensureKafkaDistribution({ cacheDir: defaultCacheDir(), log: requested.log });
    // Chosen once: every restart of the broker or Postgres in this run binds the same ports again.
    const opts = { ...requested, ports: await choosePorts(requested.ports, requested.log) };
    const [k, p] = await Promise.allSettled([
      startKafka(ChaosStack.kafkaOptions(libDir, opts)),
      startPostgres({
        repoRoot: opts.repoRoot,
        runDir: opts.runDir,
        port: opts.ports.postgres,
        log: opts.log,
        crashSafe: true,
      }),
    ]);
    if (k.status === 'rejected' || p.status === 'rejected') {
      if (k.status === 'fulfilled') await k.value.stop();
      if (p.status === 'fulfilled') await p.value.stop();
      throw k.status === 'rejected'
        ? k.reason
        : p.status === 'rejected'
          ? p.reason
          : new Error('unreachable');
    }
    const stack = new ChaosStack(k.value, p.value, libDir, opts, '');
    try {
      const client = new Client({ connectionString: p.value.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${DATABASE}`);
      } finally {
        await client.end();
      }
      const url = new URL(p.value.url);
      url.pathname = `/${DATABASE}`;
      return new ChaosStack(k.value, p.value, libDir, opts, url.toString());
    } catch (error) {
      await stack.stop();
      throw error;
    }
  }

  private static kafkaOptions(
    libDir: string,
    opts: { runDir: string; ports: ChaosPorts; log: (msg: string) => void },
  ) {
    return {
      libDir,
      runDir: opts.runDir,
      port: opts.ports.kafka,
      controllerPort: opts.ports.kafkaController,
      log: opts.log,
      keepData: true,
      extraProps: {
        // A restarted broker registers again only once the controller dropped the old incarnation:
        // 2.5 s instead of the default 9 s.
        'broker.heartbeat.interval.ms': '500',
        'broker.session.timeout.ms': '2500',
      },
    };
  }

  get brokers(): string {
    return `127.0.0.1:${this.opts.ports.kafka}`;
  }

  /** Applies the processor's migrations (its own CLI). */
  migrate(): void {
    const result = spawnSync(
      process.execPath,
      [path.join(this.opts.repoRoot, 'apps/processor/dist/cli/migrate.js')],
      {
        cwd: this.opts.repoRoot,
        env: { PATH: process.env['PATH'], DATABASE_URL: this.databaseUrl },
        encoding: 'utf8',
      },
    );
    if (result.status !== 0) throw new Error(`migrations failed: ${result.stderr}${result.stdout}`);
    this.opts.log(result.stdout.trim());
  }

  async createTopics(topics: Record<string, number>): Promise<void> {
    const admin = new Kafka({
      clientId: 'chaos-setup',
      brokers: [this.brokers],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: Object.entries(topics).map(([topic, numPartitions]) => ({
          topic,
          numPartitions,
          replicationFactor: 1,
        })),
      });
    } finally {
      await admin.disconnect();
    }
  }

  /** kill -9 of the broker, `downMs` without one, then a start on the same data. Resolves when it is ready. */
  async crashBroker(downMs: number): Promise<void> {
    const dataDir = this.broker.dataDir;
    await this.broker.kill9();
    // startKafka formats missing storage: a restart must find the data the broker had (else the
    // experiment would go on against an empty broker and report nonsense).
    if (!existsSync(path.join(dataDir, 'meta.properties')))
      throw new Error(`the broker's data in ${dataDir} is gone; cannot restart it on the same data`);
    await sleep(downMs);
    this.broker = await startKafka(ChaosStack.kafkaOptions(this.libDir, this.opts));
  }

  /** Stops Postgres (`fast` shutdown or kill -9), `downMs` without it, then starts it on the same data. */
  async restartPostgres(mode: 'kill9' | 'stop', downMs: number): Promise<void> {
    const dataDir = this.postgres.dataDir;
    if (mode === 'kill9') await this.postgres.kill9();
    else await this.postgres.stop({ keepData: true });
    await sleep(downMs);
    this.postgres = await startPostgres({
      repoRoot: this.opts.repoRoot,
      runDir: this.opts.runDir,
      port: this.opts.ports.postgres,
      log: this.opts.log,
      crashSafe: true,
      dataDir,
    });
  }

  /** Stops both and removes Postgres's data (the broker's stays in the run folder, with its logs). */
  async stop(): Promise<void> {
    await Promise.allSettled([this.broker.stop(), this.postgres.stop()]);
  }
}

/** A broker alone, on its own ports (21192/21193 or the next free ones), for probes of broker behaviour. */
export async function startProbeBroker(opts: {
  runDir: string;
  log: (msg: string) => void;
  port?: number;
}): Promise<KafkaBroker> {
  const libDir = await ensureKafkaDistribution({ cacheDir: defaultCacheDir(), log: opts.log });
  const portOpts = { log: opts.log, taken: new Set<number>() };
  const port = opts.port ?? (await choosePort('Kafka', DEFAULT_PORTS.chaos.kafka + 100, portOpts));
  const controllerPort = await choosePort('Kafka controller', port + 1, portOpts);
  return startKafka({ libDir, runDir: opts.runDir, port, controllerPort, log: opts.log });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
