// Resolves and runs a real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) from
// Maven Central, without Docker: jars come from `mvn dependency:copy-dependencies` on ./pom.xml, and the
// broker runs with plain `java -cp '<lib>/*' kafka.Kafka server.properties`.
//
// Node builtins only; erasable TypeScript only (Node 24 runs this file directly).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Kafka release resolved from Maven Central (passed to mvn as -Dkafka.version, overriding pom.xml). */
export const KAFKA_VERSION = '3.9.2';

export type KafkaBroker = {
  /** host:port of the PLAINTEXT listener, e.g. "127.0.0.1:19092". */
  bootstrap: string;
  /** pid of the JVM (also its process-group id: it is spawned detached). */
  pid: number;
  /** SIGTERM (controlled shutdown), SIGKILL after 20 s; resolves once the JVM has exited. Idempotent. */
  stop(): Promise<void>;
  /**
   * A crash: SIGKILL to the JVM's process group, no controlled shutdown; resolves once it has exited.
   * The data dir stays as the crash left it: start again with `keepData: true` to recover from it.
   */
  kill9(): Promise<void>;
  /** The broker's `log.dirs` (`<runDir>/kafka/data`). */
  dataDir: string;
  /** How long storage formatting (one tool JVM) and broker start-to-ready took. */
  timings: { formatMs: number; readyMs: number };
};

export type EnsureKafkaOptions = {
  cacheDir: string;
  log: (msg: string) => void;
};

export type StartKafkaOptions = {
  libDir: string;
  runDir: string;
  port: number;
  controllerPort: number;
  log: (msg: string) => void;
  /** Extra/overriding server.properties entries. */
  extraProps?: Record<string, string>;
  /**
   * Restart on the data of an earlier start in the same runDir (after `stop()` or `kill9()`): when
   * `<runDir>/kafka/data` holds formatted storage it is kept (no wipe, no format) and the broker
   * recovers its logs, topics, group offsets and transactions from it. Without formatted storage, or
   * when false (the default), every start is fresh.
   */
  keepData?: boolean;
};

const POM_PATH = fileURLToPath(new URL('./pom.xml', import.meta.url));
const LOG4J_PATH = fileURLToPath(new URL('./log4j.properties', import.meta.url));
const MARKER_NAME = '.complete.json';
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 20_000;
const LOG_TAIL_LINES = 40;
const READY_LINE = 'Kafka Server started';

// Small heap for a 2-core box shared with Postgres and Node; G1 with short pauses, as Kafka's own
// kafka-server-start.sh/kafka-run-class.sh do (minus the 1 GiB heap and GC log files).
const BROKER_JVM_OPTS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];
// Short-lived tool JVMs (StorageTool): optimise for start-up, not throughput.
const TOOL_JVM_OPTS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

/** The cache dir callers should default to: $DEDUP_CACHE_DIR, else $XDG_CACHE_HOME/dedup-operator, else ~/.cache/dedup-operator. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DEDUP_CACHE_DIR) return env.DEDUP_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(env.HOME || '/tmp', '.cache');
  return join(base, 'dedup-operator');
}

function javaBin(): string {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
  return 'java';
}

/**
 * Resolves Kafka's runtime jars once into `<cacheDir>/kafka-<version>/lib` and returns that dir.
 * A marker (written only after mvn succeeded, and tied to the pom's hash) makes later calls a no-op.
 */
export async function ensureKafkaDistribution(opts: EnsureKafkaOptions): Promise<string> {
  const { cacheDir, log } = opts;
  const distDir = join(cacheDir, `kafka-${KAFKA_VERSION}`);
  const libDir = join(distDir, 'lib');
  const marker = join(distDir, MARKER_NAME);
  const pomHash = createHash('sha256')
    .update(await readFile(POM_PATH))
    .digest('hex');

  const cached = await markerValid(marker, libDir, pomHash);
  if (cached) return libDir;
  if (existsSync(marker))
    log(`[kafka] cached distribution in ${distDir} is stale or incomplete; resolving again`);

  await mkdir(distDir, { recursive: true });
  await rm(marker, { force: true });
  const partial = join(distDir, `lib.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  log(`[kafka] resolving org.apache.kafka:kafka_2.13:${KAFKA_VERSION} from Maven Central into ${libDir}`);
  const t0 = Date.now();
  const res = await run('mvn', [
    '-q',
    '-B',
    '-f',
    POM_PATH,
    `-Dkafka.version=${KAFKA_VERSION}`,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${partial}`,
  ]);
  if (res.code !== 0) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(
      `mvn dependency:copy-dependencies failed (exit ${res.code}):\n${tail(res.output, LOG_TAIL_LINES)}`,
    );
  }
  const jars = (await readdir(partial)).filter((f) => f.endsWith('.jar'));
  if (!jars.includes(`kafka_2.13-${KAFKA_VERSION}.jar`)) {
    await rm(partial, { recursive: true, force: true });
    throw new Error(
      `mvn succeeded but ${partial} has no kafka_2.13-${KAFKA_VERSION}.jar (${jars.length} jars)`,
    );
  }
  if (await markerValid(marker, libDir, pomHash)) {
    // Another process finished the same resolution meanwhile: keep its lib dir (it may be in use).
    await rm(partial, { recursive: true, force: true });
    return libDir;
  }
  await rm(libDir, { recursive: true, force: true });
  await rename(partial, libDir);
  await writeFile(
    marker,
    JSON.stringify(
      { version: KAFKA_VERSION, pomSha256: pomHash, jars: jars.length, resolvedAt: new Date().toISOString() },
      null,
      2,
    ) + '\n',
  );
  log(`[kafka] resolved ${jars.length} jars in ${Date.now() - t0} ms`);
  return libDir;
}

async function markerValid(marker: string, libDir: string, pomHash: string): Promise<boolean> {
  try {
    const m = JSON.parse(await readFile(marker, 'utf8')) as {
      version?: string;
      pomSha256?: string;
      jars?: number;
    };
    if (m.version !== KAFKA_VERSION || m.pomSha256 !== pomHash) return false;
    const jars = (await readdir(libDir)).filter((f) => f.endsWith('.jar'));
    return jars.length > 0 && jars.length === m.jars;
  } catch {
    return false; // no (readable) marker or lib dir
  }
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (what `StorageTool random-uuid` prints). */
export function randomClusterId(): string {
  for (;;) {
    const b = randomBytes(16);
    b.writeUInt8((b.readUInt8(6) & 0x0f) | 0x40, 6); // version 4, like java.util.UUID.randomUUID()
    b.writeUInt8((b.readUInt8(8) & 0x3f) | 0x80, 8); // IETF variant
    const id = b.toString('base64url');
    // Kafka's Uuid.randomUuid() never returns ids starting with '-' (they read like CLI flags) nor the
    // reserved all-zero / metadata-topic ids (which cannot come out of a v4 UUID anyway).
    if (!id.startsWith('-')) return id;
  }
}

export function brokerProperties(opts: {
  dataDir: string;
  port: number;
  controllerPort: number;
  extraProps?: Record<string, string>;
}): Record<string, string> {
  const { dataDir, port, controllerPort } = opts;
  return {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    // One broker: replication factor / min ISR 1 everywhere (defaults of 3 leave the group coordinator
    // and InitProducerId hanging forever), and one partition for the internal topics (50 each make the
    // first group join / InitProducerId slow on 2 cores).
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'min.insync.replicas': '1',
    'default.replication.factor': '1',
    'num.partitions': '1',
    'auto.create.topics.enable': 'false',
    'group.initial.rebalance.delay.ms': '0',
    // Abort transactions of dead producers sooner than the 10 s default (their timeout still applies).
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': '2000',
    // Small box: fewer threads, and a 16 MiB log-cleaner dedupe buffer instead of 128 MiB of a 512 MiB heap.
    'num.network.threads': '2',
    'num.io.threads': '4',
    'num.recovery.threads.per.data.dir': '1',
    'background.threads': '4',
    'log.cleaner.dedupe.buffer.size': String(16 * 1024 * 1024),
    'auto.leader.rebalance.enable': 'false',
    ...(opts.extraProps ?? {}),
  };
}

/**
 * Writes `<runDir>/kafka/server.properties` (fresh data in `<runDir>/kafka/data`), formats the storage and
 * starts the broker; resolves once the PLAINTEXT port accepts connections and the log says "Kafka Server started".
 * With `keepData`, a restart on the data an earlier start left in the same runDir (no wipe, no format).
 */
export async function startKafka(opts: StartKafkaOptions): Promise<KafkaBroker> {
  const { libDir, runDir, port, controllerPort, log } = opts;
  const kafkaDir = join(runDir, 'kafka');
  const dataDir = join(kafkaDir, 'data');
  const logsDir = join(kafkaDir, 'logs');
  const propsPath = join(kafkaDir, 'server.properties');
  const brokerLog = join(kafkaDir, 'broker.log');
  const serverLog = join(logsDir, 'server.log');
  const formatLog = join(kafkaDir, 'format.log');
  const classpath = join(libDir, '*');

  for (const p of [port, controllerPort]) {
    if (await portOpen(p))
      throw new Error(`port 127.0.0.1:${p} is already in use (another broker still running?)`);
  }

  const logProps = [`-Dlog4j.configuration=file:${LOG4J_PATH}`, `-Dkafka.logs.dir=${logsDir}`];
  const reuse = opts.keepData === true && existsSync(join(dataDir, 'meta.properties'));
  let formatMs = 0;
  let t = Date.now();
  if (reuse) {
    // A restart: keep the data (and append to the logs); the properties are written again, same content.
    await mkdir(logsDir, { recursive: true });
    log(`[kafka] restarting on the existing data in ${dataDir}`);
  } else {
    // Fresh every start: internal-topic settings only apply when the topics are created.
    await rm(kafkaDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    await mkdir(logsDir, { recursive: true });
  }
  const props = brokerProperties({ dataDir, port, controllerPort, extraProps: opts.extraProps });
  await writeFile(
    propsPath,
    Object.entries(props)
      .map(([k, v]) => `${k}=${escapeProp(v)}`)
      .join('\n') + '\n',
  );

  if (!reuse) {
    const clusterId = randomClusterId();
    const fmt = await run(javaBin(), [
      ...TOOL_JVM_OPTS,
      ...logProps,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propsPath,
      '--ignore-formatted',
    ]);
    await writeFile(formatLog, fmt.output);
    if (fmt.code !== 0) {
      throw new Error(
        `kafka StorageTool format failed (exit ${fmt.code}):\n${tail(fmt.output, LOG_TAIL_LINES)}`,
      );
    }
    formatMs = Date.now() - t;
    log(`[kafka] formatted ${dataDir} (cluster ${clusterId}) in ${formatMs} ms`);
  }
  // Readiness is read from the log lines written after this point (a restart appends to old logs).
  const logOffsets = { server: await fileSize(serverLog), broker: await fileSize(brokerLog) };

  t = Date.now();
  const out = openSync(brokerLog, 'a');
  let child: ChildProcess;
  try {
    child = spawn(javaBin(), [...BROKER_JVM_OPTS, ...logProps, '-cp', classpath, 'kafka.Kafka', propsPath], {
      cwd: kafkaDir,
      detached: true, // own process group: stop() signals the whole group
      stdio: ['ignore', out, out],
    });
  } finally {
    closeSync(out);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<Error>((res) => child.once('error', res));
    throw new Error(`could not spawn java: ${err.message}`);
  }
  // Do not keep the caller's event loop alive just for the broker; the exit hook below cleans up.
  child.unref();

  const state = { exited: false };
  let exitInfo = '';
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      state.exited = true;
      exitInfo = signal ? `signal ${signal}` : `exit code ${code}`;
      process.removeListener('exit', killOnParentExit);
      resolve();
    });
  });
  // Last resort if the Node process exits without calling stop(): do not leave an orphaned JVM behind.
  function killOnParentExit(): void {
    if (!state.exited) signalGroup(pid as number, 'SIGKILL');
  }
  process.on('exit', killOnParentExit);

  let stopping: Promise<void> | undefined;
  const kill9 = async (): Promise<void> => {
    if (state.exited) return;
    child.ref();
    log(`[kafka] kill -9 of the broker (pid ${pid})`);
    signalGroup(pid, 'SIGKILL');
    await exitPromise;
    log(`[kafka] broker killed (${exitInfo})`);
  };

  const stop = (): Promise<void> => {
    if (!stopping) {
      stopping = (async () => {
        if (state.exited) return;
        // Keep the event loop alive until the JVM's exit has been observed (it is unref'd otherwise).
        child.ref();
        log(`[kafka] stopping broker (pid ${pid})`);
        signalGroup(pid, 'SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          exitPromise.then(() => true),
          new Promise<boolean>((r) => {
            timer = setTimeout(() => r(false), STOP_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        if (!graceful) {
          log(`[kafka] broker did not exit within ${STOP_GRACE_MS / 1000} s of SIGTERM; sending SIGKILL`);
          signalGroup(pid, 'SIGKILL');
          await exitPromise;
        }
        // Reap anything else left in the group (there should be nothing).
        signalGroup(pid, 'SIGKILL');
        log(`[kafka] broker stopped (${exitInfo})`);
      })();
    }
    return stopping;
  };

  const logTails = async (): Promise<string> =>
    `--- ${brokerLog} (tail) ---\n${await tailFile(brokerLog)}\n--- ${serverLog} (tail) ---\n${await tailFile(serverLog)}`;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (state.exited) {
      throw new Error(`kafka broker exited during start-up (${exitInfo}):\n${await logTails()}`);
    }
    if (
      (await fileContains(serverLog, READY_LINE, logOffsets.server)) ||
      (await fileContains(brokerLog, READY_LINE, logOffsets.broker))
    ) {
      if (await portOpen(port)) break;
    }
    if (Date.now() > deadline) {
      const tails = await logTails();
      await stop();
      throw new Error(`kafka broker not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tails}`);
    }
    await sleep(200);
  }
  const readyMs = Date.now() - t;
  log(`[kafka] broker ${KAFKA_VERSION} ready on 127.0.0.1:${port} (pid ${pid}) in ${readyMs} ms`);

  return { bootstrap: `127.0.0.1:${port}`, pid, stop, kill9, dataDir, timings: { formatMs, readyMs } };
}

// ---- helpers ---------------------------------------------------------------------------------------

function run(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => chunks.push(c));
    p.stderr.on('data', (c: Buffer) => chunks.push(c));
    p.once('error', (err) => reject(new Error(`could not run ${cmd}: ${err.message}`)));
    p.once('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // group already gone
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Whether the file contains `needle` at or after byte `from`. */
async function fileContains(path: string, needle: string, from = 0): Promise<boolean> {
  try {
    return (await readFile(path)).subarray(from).toString('utf8').includes(needle);
  } catch {
    return false;
  }
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function tailFile(path: string, lines = LOG_TAIL_LINES): Promise<string> {
  try {
    const st = await stat(path);
    if (st.size === 0) return '(empty)';
    return tail(await readFile(path, 'utf8'), lines);
  } catch {
    return '(missing)';
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function escapeProp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
