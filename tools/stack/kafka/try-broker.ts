// Manual check that the Maven-Central Kafka broker works on this machine:
//   bash scripts/with-node24.sh node tools/stack/kafka/try-broker.ts
// Env: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093), KAFKA_HOLD_MS (0: how long to keep the broker
// up before stopping it, e.g. to poke at it with kcat), KAFKA_KEEP_RUN_DIR=1 (keep the temp run dir),
// DEDUP_CACHE_DIR / XDG_CACHE_HOME (jar cache).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KAFKA_VERSION, defaultCacheDir, ensureKafkaDistribution, startKafka } from './kafka-broker.ts';
import type { KafkaBroker } from './kafka-broker.ts';

const port = Number(process.env.KAFKA_PORT ?? 19092);
const controllerPort = Number(process.env.KAFKA_CONTROLLER_PORT ?? 19093);
const holdMs = Number(process.env.KAFKA_HOLD_MS ?? 0);
const log = (msg: string): void => console.log(`${new Date().toISOString()} ${msg}`);

const cacheDir = defaultCacheDir();
const runDir = await mkdtemp(join(tmpdir(), 'kafka-try-'));
let broker: KafkaBroker | undefined;
const onSignal = (): void => {
  void (broker ? broker.stop() : Promise.resolve()).finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

try {
  let t = Date.now();
  const libDir = await ensureKafkaDistribution({ cacheDir, log });
  const resolveMs = Date.now() - t;

  t = Date.now();
  broker = await startKafka({ libDir, runDir, port, controllerPort, log });
  const startMs = Date.now() - t; // includes format

  console.log(`BOOTSTRAP=${broker.bootstrap}`);
  console.log(`PID=${broker.pid}`);
  console.log(`LIB_DIR=${libDir}`);
  console.log(`RUN_DIR=${runDir}`);
  if (holdMs > 0) {
    log(`[try] holding the broker for ${holdMs} ms`);
    await new Promise((r) => setTimeout(r, holdMs));
  }

  t = Date.now();
  await broker.stop();
  const stopMs = Date.now() - t;
  await broker.stop(); // idempotent

  console.log(
    JSON.stringify(
      { kafka: KAFKA_VERSION, resolveMs, ...broker.timings, formatPlusReadyMs: startMs, stopMs, runDir },
      null,
      2,
    ),
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
  if (broker) await broker.stop();
} finally {
  if (process.env.KAFKA_KEEP_RUN_DIR !== '1') await rm(runDir, { recursive: true, force: true });
}
