import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { CHAOS_PORTS, ChaosStack, type ChaosPorts } from './chaos-stack';
import { leaveGroupOnBehalfOf } from './kafka-protocol';
import { stableOffsets } from './kcat';
import { JITTER_MS, isLate, planLoad, type PlannedRecord } from './load';
import { Observer, type GroupMember, type GroupView } from './observer';
import { ProcessorSlot } from './processors';
import { Random, randomSeed } from './random';
import { verify, type ChaosTopics, type Verification } from './verify';

/**
 * The chaos suite (issue 4): an independent proof that after hard kills every unique event comes out
 * exactly once and nothing is lost. docs/exactly-once.md explains the design, the ground truth and
 * every fault; this file runs one experiment:
 *
 *   own broker + Postgres → migrations, topics → N processors → seeded traffic with duplicates, late
 *   and poison records, at a steady rate, while kill -9 of processors, kill -9 of the broker,
 *   Postgres restarts and extra members joining and leaving happen → traffic ends, faults stop →
 *   wait until the group has committed everything → the verifier reads every topic (kcat,
 *   read_committed) and the audit and DLQ tables and compares them with the ground truth.
 */

export type ProfileName = 'ci' | 'long';

export interface ChaosProfile {
  readonly name: string;
  /** Records the generator sends, at a steady rate over `trafficMs`. */
  readonly records: number;
  readonly trafficMs: number;
  /** kill -9 of a processor, spread over the traffic. */
  readonly kills: number;
  /**
   * Of those, kills whose dead member is left to the group's session timeout (30 s in the processor);
   * the others are removed from the group ~1 s after the kill (LeaveGroup on their behalf), as a fast
   * failure detector would, so that one kill does not stall every rebalance for 30 s.
   */
  readonly slowKills: number;
  /** kill -9 of the broker and a restart on the same data. */
  readonly brokerRestarts: number;
  /** Postgres stopped (alternately fast shutdown and kill -9) and started again on the same data. */
  readonly pgRestarts: number;
  /** Episodes of two extra processors joining the group and, a few seconds later, leaving it. */
  readonly rebalances: number;
  /**
   * Zombies: a processor that owns partitions is frozen (SIGSTOP, like a long GC pause), preferably
   * while it has a batch committed in Postgres and not yet in Kafka; it is removed from the group (as
   * its session timeout would) and its partitions move to another member; then it is resumed
   * (SIGCONT) and carries on with its batch, unaware, while the new owner works on the same records.
   */
  readonly zombies: number;
  /** Processors that run all the time (restarted after each kill). */
  readonly coreProcessors: number;
  /** How long to wait, after the faults, for the group to commit everything. */
  readonly drainTimeoutMs: number;
}

export const PROFILES: Readonly<Record<ProfileName, ChaosProfile>> = {
  ci: {
    name: 'ci',
    records: 3_000,
    trafficMs: 110_000,
    kills: 22,
    slowKills: 1,
    brokerRestarts: 1,
    pgRestarts: 1,
    rebalances: 2,
    zombies: 6,
    coreProcessors: 3,
    drainTimeoutMs: 75_000,
  },
  long: {
    name: 'long',
    records: 30_000,
    trafficMs: 900_000,
    kills: 60,
    slowKills: 6,
    brokerRestarts: 5,
    pgRestarts: 5,
    rebalances: 20,
    zombies: 15,
    coreProcessors: 3,
    drainTimeoutMs: 180_000,
  },
};

export interface ChaosOptions {
  readonly profile?: ProfileName;
  /** Changes to the profile (e.g. fewer records for a quick local try). */
  readonly overrides?: Partial<Omit<ChaosProfile, 'name'>>;
  /** Reproduces the records and the fault plan of an earlier run; random when absent. */
  readonly seed?: number;
  readonly repoRoot?: string;
  /** Logs, broker data, processor logs and summary.json; default `.run/<time>-chaos-<seed>`. */
  readonly runDir?: string;
  readonly ports?: ChaosPorts;
  readonly log?: (line: string) => void;
  /** Ends the run early (faults and traffic stop, everything started is stopped). */
  readonly signal?: AbortSignal;
}

export interface KillStats {
  readonly total: number;
  /** The victim held input partitions in a stable group: it was processing. */
  readonly owner: number;
  /** The victim was a group member without partitions, or the group was rebalancing. */
  readonly member: number;
  /** The victim had not joined the group yet (starting up). */
  readonly starting: number;
  /** The group could not be described at that moment (broker down). */
  readonly unknown: number;
  /**
   * Kills that left a batch committed in Postgres but not in Kafka (the partition's recorded progress
   * was ahead of the group's committed offset right after the kill): the crash window ADR 0003 is about.
   */
  readonly betweenCommits: number;
  /**
   * Kills aimed at that window: the harness polled Postgres and the group's offsets and killed the
   * owner as soon as one of its partitions had a batch committed in Postgres but not yet in Kafka.
   */
  readonly targeted: number;
  /** Kills whose dead member was left to the 30 s session timeout. */
  readonly sessionTimeout: number;
}

export interface ChaosSummary {
  readonly seed: number;
  readonly profile: ChaosProfile;
  readonly durationMs: number;
  /** From the end of the faults until the group had committed everything. */
  readonly drainMs: number;
  readonly drained: boolean;
  /**
   * After the drain, until no transaction was open on any output topic (a killed processor's stays
   * open until the broker aborts it, and a read_committed reader sees nothing past its first record).
   */
  readonly settleMs: number;
  readonly settled: boolean;
  readonly kills: KillStats;
  readonly brokerRestarts: number;
  readonly pgRestarts: number;
  readonly rebalances: number;
  readonly zombies: number;
  /**
   * Processor exits the harness did not cause, after the processor was consuming: crashes (each is a
   * finding; see its log). Fails the run.
   */
  readonly unexpectedExits: number;
  /**
   * Processors that exited during their start-up, before consuming (e.g. Postgres or the broker was
   * down at that moment: the processor fails fast and expects a supervisor to start it again, which
   * the harness does). Reported, not a failure.
   */
  readonly startFailures: number;
  readonly recordsSent: number;
  readonly verification: Verification;
  /** The summary line (`chaos: kills=… lost=0 duplicated=0`) and the details line. */
  readonly lines: readonly [string, string];
  readonly runDir: string;
  /** True when every check passed. */
  readonly ok: boolean;
}

const PIPELINE = 'chaos';
const GROUP_ID = `dedup-${PIPELINE}`;
const TOPICS: ChaosTopics = {
  input: 'chaos.events.raw',
  output: 'chaos.events.deduped',
  duplicates: 'chaos.events.duplicates',
  late: 'chaos.events.late',
  dlq: 'chaos.events.dlq',
};
const INPUT_PARTITIONS = 4;
/** Longer than a killed producer's open transaction can last (10 s timeout + the 2 s check). */
const SETTLE_TIMEOUT_MS = 45_000;
/** Event times of unique events advance by at most this much over the run (see SEMANTICS). */
const MAX_SPAN_MS = 300_000;

/**
 * Chosen so that every outcome is fixed by the record alone, whatever the interleaving, the kills and
 * the restarts (docs/exactly-once.md, "Ground truth"):
 * - normal events span at most 5 min + 2 s of event time, less than maxOutOfOrderness + allowedLateness,
 *   so none is ever late, on any partition, however far the others got ahead;
 * - late events are an hour older than any normal one, so late as soon as the pipeline has any
 *   watermark (the generator sends none before it has one; watermarks never go back);
 * - the window (2 h) outlasts the run in event time, so no state expires and every copy of an id is a
 *   duplicate of the first one decided; no partition goes idle (1 h).
 */
const SEMANTICS = {
  keys: [
    { name: 'event_id', kind: 'event_id' },
    { name: 'order', kind: 'fields', fields: ['payload.order_id'] },
  ],
  window: { kind: 'sliding', sizeMs: 7_200_000 },
  maxOutOfOrdernessMs: 5_000,
  allowedLatenessMs: 600_000,
  idleTimeoutMs: 3_600_000,
  maxFutureSkewMs: 300_000,
};

class Aborted extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new Aborted('aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted('aborted'));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)),
  ]);
}

/** Runs one chaos experiment end to end; never throws for a verification failure (see `ok`). */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosSummary> {
  const profile: ChaosProfile = { ...PROFILES[options.profile ?? 'ci'], ...options.overrides };
  const seed = options.seed ?? randomSeed();
  const repoRoot = options.repoRoot ?? path.resolve(__dirname, '..', '..');
  const runDir =
    options.runDir ??
    path.join(repoRoot, '.run', `${new Date().toISOString().replace(/[:.]/g, '-')}-chaos-${seed}`);
  const started = Date.now();
  const write = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (msg: string) =>
    write(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
  const signal = options.signal;
  if (spawnSync('kcat', ['-V']).error !== undefined) {
    throw new Error('kcat not found: the verifier reads the topics with it (Debian: apt-get install kcat)');
  }
  await mkdir(runDir, { recursive: true });
  log(`chaos: seed=${seed} profile=${profile.name} (repeat with --seed ${seed}); logs in ${runDir}`);

  const faults = Random.stream(seed, 'faults');
  const reaperRandom = Random.stream(seed, 'reaper');
  const stack = await ChaosStack.start({ repoRoot, runDir, ports: options.ports ?? CHAOS_PORTS, log });
  const observer = new Observer(stack.brokers, GROUP_ID, TOPICS.input, PIPELINE, stack.databaseUrl);
  const slots: ProcessorSlot[] = [];
  let phase: 'setup' | 'chaos' | 'drain' | 'stopping' = 'setup';
  let unexpectedExits = 0;
  let startFailures = 0;
  const restarts = new Set<Promise<void>>();
  const restart = (slot: ProcessorSlot, afterMs: number) => {
    const p = sleep(afterMs)
      .then(() => (phase === 'chaos' || phase === 'drain' ? slot.start() : undefined))
      .catch((error: unknown) => log(`restart of ${slot.name} failed: ${String(error)}`))
      .finally(() => restarts.delete(p));
    restarts.add(p);
  };
  try {
    stack.migrate();
    await stack.createTopics({
      [TOPICS.input]: INPUT_PARTITIONS,
      [TOPICS.output]: 4,
      [TOPICS.duplicates]: 2,
      [TOPICS.late]: 1,
      [TOPICS.dlq]: 1,
    });
    const env: Record<string, string> = {
      KAFKA_BROKERS: stack.brokers,
      DATABASE_URL: stack.databaseUrl,
      PIPELINE_NAME: PIPELINE,
      TOPIC_INPUT: TOPICS.input,
      TOPIC_OUTPUT: TOPICS.output,
      TOPIC_DUPLICATES: TOPICS.duplicates,
      TOPIC_LATE: TOPICS.late,
      TOPIC_DLQ: TOPICS.dlq,
      PIPELINE_SEMANTICS: JSON.stringify(SEMANTICS),
      // A killed producer's open transaction is aborted by the broker after 10 s at the latest (the
      // next owner's InitProducerId for the same transactional id aborts it at once).
      KAFKA_TRANSACTION_TIMEOUT_MS: '10000',
      STATE_EXPIRY_INTERVAL_MS: '5000',
      DATABASE_POOL_SIZE: '5',
    };
    const onUnexpectedExit = (
      slot: ProcessorSlot,
      code: number | null,
      sig: string | null,
      wasConsuming: boolean,
    ) => {
      if (wasConsuming) {
        unexpectedExits++;
        log(
          `UNEXPECTED: ${slot.clientId} exited by itself (code ${code}, signal ${sig}); see ${slot.logFile}`,
        );
      } else {
        startFailures++;
        log(`${slot.clientId} failed to start (exit code ${code}; see ${slot.logFile})`);
      }
      // The harness is the supervisor: a core processor is started again, as an orchestrator would.
      if (slot.name.startsWith('core')) restart(slot, 1_000);
    };
    for (let i = 0; i < profile.coreProcessors; i++)
      slots.push(new ProcessorSlot(`core-${i}`, { repoRoot, runDir, env, onUnexpectedExit }));
    const extras = [0, 1].map(
      (i) => new ProcessorSlot(`extra-${i}`, { repoRoot, runDir, env, onUnexpectedExit }),
    );
    slots.push(...extras);
    const core = slots.filter((s) => s.name.startsWith('core'));
    await Promise.all(core.map((s) => s.start()));
    await Promise.all(core.map((s) => s.waitReady(90_000)));
    log(`${core.length} processors ready`);

    // ---- traffic ------------------------------------------------------------------------------------
    const now = Date.now();
    const spanMs = Math.min(MAX_SPAN_MS, profile.trafficMs);
    const planned = planLoad({
      seed,
      records: profile.records,
      baseTime: now - spanMs - JITTER_MS - 120_000,
      spanMs,
      now,
    });
    const traffic = new Traffic(stack.brokers, planned, observer, log, signal);
    phase = 'chaos';
    const trafficStart = Date.now();
    const trafficDone = traffic.run(profile.trafficMs);

    // ---- faults -------------------------------------------------------------------------------------
    const windowStart = trafficStart + 5_000;
    const windowEnd = trafficStart + profile.trafficMs - 3_000;
    const at = (i: number, n: number, from = 0.2, to = 0.8) =>
      windowStart + ((i + faults.between(from, to)) * (windowEnd - windowStart)) / n;
    const killStats = {
      total: 0,
      owner: 0,
      member: 0,
      starting: 0,
      unknown: 0,
      betweenCommits: 0,
      targeted: 0,
      sessionTimeout: 0,
    };
    /** Client ids of killed incarnations left to the session timeout (the reaper spares them). */
    const slowlyDetected = new Set<string>();
    let brokerRestarts = 0;
    let pgRestarts = 0;
    let rebalances = 0;
    let zombies = 0;
    const slowKillAt = new Set<number>();
    while (slowKillAt.size < Math.min(profile.slowKills, profile.kills))
      slowKillAt.add(faults.int(profile.kills));
    // Every random choice of the plan is drawn here, up front, so a seed gives the same plan.
    const killPlan = Array.from({ length: profile.kills }, (_, i) => ({
      at: at(i, profile.kills),
      victim: faults.next(),
      // Kills land shortly after a produce request, while the processors are busy with its records,
      // or (targeted) as soon as the victim has a batch committed in Postgres and not yet in Kafka.
      afterSendMs: faults.between(0, 150),
      targeted: faults.chance(0.4),
      restartAfterMs: faults.between(100, 1_500),
      slow: slowKillAt.has(i),
    }));
    const brokerPlan = Array.from({ length: profile.brokerRestarts }, (_, i) => ({
      at: at(i, profile.brokerRestarts, 0.3, 0.6),
      downMs: faults.between(500, 3_000),
    }));
    const pgFirstKill = faults.chance(0.5);
    const pgPlan = Array.from({ length: profile.pgRestarts }, (_, i) => ({
      at: at(i, profile.pgRestarts, 0.55, 0.85),
      mode: (i % 2 === 0) === pgFirstKill ? ('kill9' as const) : ('stop' as const),
      downMs: faults.between(500, 6_000),
    }));
    const rebalancePlan = Array.from({ length: profile.rebalances }, (_, i) => ({
      at: at(i, profile.rebalances, 0.05, 0.5),
      holdMs: faults.between(4_000, 10_000),
    }));
    const zombiePlan = Array.from({ length: profile.zombies }, (_, i) => ({
      at: at(i, profile.zombies, 0.1, 0.9),
      victim: faults.next(),
      // Most resume right as the new owner starts on the partitions, the others a few seconds later.
      resumeAfterMs: faults.chance(0.7) ? faults.between(0, 150) : faults.between(500, 5_000),
    }));
    const until = (t: number) => sleep(t - Date.now(), signal);
    /** Polls until one of `partitions` has a batch committed in Postgres but not in Kafka (max 3 s). */
    const aimBetweenCommits = async (slot: ProcessorSlot, partitions: readonly number[]) => {
      const deadline = Date.now() + 3_000;
      while (Date.now() < deadline && slot.running) {
        const open = await observer.openBatches(partitions).catch(() => undefined);
        if (open === undefined) await sleep(50);
        else if (open.length > 0) return true;
      }
      return false;
    };
    const pickRunning = async (choice: number) => {
      for (let waited = 0; waited < 10_000; waited += 250) {
        const running = core.filter((s) => s.running);
        const slot = running[Math.floor(choice * running.length)];
        if (slot !== undefined) return slot;
        await sleep(250, signal);
      }
      return undefined;
    };
    const safely = async (what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        if (error instanceof Aborted) throw error;
        log(`${what} failed: ${String(error)}`);
        throw error;
      }
    };

    const killTrack = async () => {
      for (const [i, plan] of killPlan.entries()) {
        await until(plan.at);
        const victim = await pickRunning(plan.victim);
        if (victim === undefined) throw new Error('no core processor has been running for 10 s');
        const view = await withTimeout(observer.group(), 1_500).catch(() => undefined);
        const member = view?.members.find((m) => m.clientId === victim.clientId);
        const kind =
          view === undefined
            ? 'unknown'
            : member === undefined
              ? 'starting'
              : member.partitions.length > 0 && view.state === 'Stable'
                ? 'owner'
                : 'member';
        const clientId = victim.clientId;
        let aimed = false;
        // Aim at the window ADR 0003 is about for a share of the kills, and for every owner kill of the
        // second half of the plan while no kill has landed in it yet.
        const target = plan.targeted || (killStats.betweenCommits === 0 && i >= killPlan.length / 2);
        if (target && kind === 'owner' && member !== undefined) {
          aimed = await aimBetweenCommits(victim, member.partitions);
        } else {
          await Promise.race([traffic.nextSend(), sleep(1_000)]);
          await sleep(plan.afterSendMs);
        }
        if (plan.slow) slowlyDetected.add(clientId);
        await victim.kill9();
        killStats.total++;
        killStats[kind]++;
        if (aimed) killStats.targeted++;
        if (plan.slow) killStats.sessionTimeout++;
        log(
          `kill -9 #${i + 1} ${clientId} (${kind}${member ? `, partitions [${member.partitions.join(',')}]` : ''}, up ${((Date.now() - victim.startedAt) / 1000).toFixed(1)} s${aimed ? ', aimed between the commits' : ''}${plan.slow ? ', left to the session timeout' : ''})`,
        );
        restart(victim, plan.restartAfterMs);
        if (kind === 'owner' && member !== undefined) {
          // Was a batch committed in Postgres but not yet in Kafka when it died?
          await sleep(300);
          try {
            const open = await withTimeout(observer.openBatches(member.partitions), 2_000);
            if (open.length > 0) {
              killStats.betweenCommits++;
              log(
                `  … it died between the Postgres and the Kafka commit of partition(s) [${open.join(',')}]`,
              );
            }
          } catch {
            // Broker or Postgres down at this moment: unknown.
          }
        }
      }
    };

    // The fast failure detector: removes from the group every member whose process is gone (killed,
    // or exited without leaving), except the kills left to the session timeout on purpose.
    const reaper = async () => {
      while (phase === 'chaos' || phase === 'drain') {
        await sleep(reaperRandom.between(700, 1_300));
        let view: GroupView;
        try {
          view = await withTimeout(observer.group(), 2_000);
        } catch {
          continue;
        }
        const alive = new Set(slots.filter((s) => s.running).map((s) => s.clientId));
        for (const member of view.members) {
          if (alive.has(member.clientId) || slowlyDetected.has(member.clientId)) continue;
          if (!member.clientId.startsWith('chaos-')) continue;
          try {
            const code = await leaveGroupOnBehalfOf(stack.brokers, GROUP_ID, member.memberId);
            if (code !== 0 && code !== 25)
              log(`reaper: LeaveGroup for ${member.clientId} answered error ${code}`);
          } catch {
            // Broker down: next round.
          }
        }
      }
    };

    const brokerTrack = async () => {
      for (const plan of brokerPlan) {
        await until(plan.at);
        await safely('broker restart', async () => {
          log(`kill -9 of the broker (down ${(plan.downMs / 1000).toFixed(1)} s + its restart)`);
          const t = Date.now();
          await stack.crashBroker(plan.downMs);
          brokerRestarts++;
          log(`broker back after ${((Date.now() - t) / 1000).toFixed(1)} s`);
        });
      }
    };

    const pgTrack = async () => {
      for (const plan of pgPlan) {
        await until(plan.at);
        await safely('postgres restart', async () => {
          log(
            `postgres ${plan.mode === 'kill9' ? 'kill -9' : 'fast shutdown'} (down ${(plan.downMs / 1000).toFixed(1)} s)`,
          );
          await stack.restartPostgres(plan.mode, plan.downMs);
          pgRestarts++;
          log('postgres back');
        });
      }
    };

    const rebalanceTrack = async () => {
      for (const plan of rebalancePlan) {
        await until(plan.at);
        log(`rebalance: ${extras.map((s) => s.name).join(' and ')} join`);
        await Promise.all(extras.map((s) => s.start()));
        await sleep(plan.holdMs, signal);
        const codes = await Promise.all(extras.map((s) => s.stop()));
        rebalances++;
        log(`rebalance: they left again (exit codes ${codes.join(', ')})`);
      }
    };

    const zombieTrack = async () => {
      for (const [i, plan] of zombiePlan.entries()) {
        await until(plan.at);
        // The victim is a processor that owns partitions in a stable group (waiting up to 15 s for one).
        let slot: ProcessorSlot | undefined;
        let member: GroupMember | undefined;
        for (let waited = 0; slot === undefined && waited < 15_000 && Date.now() < windowEnd; waited += 500) {
          const view = await withTimeout(observer.group(), 1_500).catch(() => undefined);
          const owners = core.filter((s) =>
            view?.members.some((m) => m.clientId === s.clientId && m.partitions.length > 0 && s.running),
          );
          slot = view?.state === 'Stable' ? owners[Math.floor(plan.victim * owners.length)] : undefined;
          member = view?.members.find((m) => m.clientId === slot?.clientId);
          if (slot === undefined) await sleep(500, signal);
        }
        if (slot === undefined || member === undefined) {
          log(`zombie #${i + 1}: no processor owned partitions in a stable group in time; skipped`);
          continue;
        }
        const clientId = slot.clientId;
        const aimed = await aimBetweenCommits(slot, member.partitions);
        slot.pause();
        try {
          const code = await leaveGroupOnBehalfOf(stack.brokers, GROUP_ID, member.memberId);
          // Wait until another member owns one of its partitions, then let the zombie carry on.
          let taken: string | undefined;
          const deadline = Date.now() + 15_000;
          while (taken === undefined && Date.now() < deadline) {
            const now = await withTimeout(observer.group(), 1_500).catch(() => undefined);
            taken =
              now?.state === 'Stable'
                ? now.members.find(
                    (m) => m.clientId !== clientId && m.partitions.some((p) => member.partitions.includes(p)),
                  )?.clientId
                : undefined;
            if (taken === undefined) await sleep(20, signal);
          }
          await sleep(plan.resumeAfterMs, signal);
          zombies++;
          log(
            `zombie #${i + 1}: ${clientId} frozen${aimed ? ' between its commits' : ''} with partitions [${member.partitions.join(',')}], removed from the group (error code ${code}), ${taken === undefined ? 'not reassigned within 15 s' : `taken over by ${taken}`}; resumed ${Math.round(plan.resumeAfterMs)} ms later`,
          );
        } finally {
          slot.resume();
        }
      }
    };

    const reaping = reaper();
    const tracks = [killTrack(), brokerTrack(), pgTrack(), rebalanceTrack(), zombieTrack()];
    const results = await Promise.allSettled([trafficDone, ...tracks]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const faultsEnd = Date.now();
    log(`traffic and faults done: ${traffic.acknowledged.size} records sent; draining`);

    // ---- drain --------------------------------------------------------------------------------------
    phase = 'drain';
    await Promise.all(extras.map((s) => s.stop()));
    await Promise.all([...restarts]);
    for (const slot of core) if (!slot.running) await slot.start();
    const drained = await drain(observer, profile.drainTimeoutMs, log, signal);
    const drainMs = Date.now() - faultsEnd;
    const settling = Date.now();
    const outputTopics = [TOPICS.output, TOPICS.duplicates, TOPICS.late, TOPICS.dlq];
    const settled = await settle(stack.brokers, outputTopics, SETTLE_TIMEOUT_MS, log, signal);
    const settleMs = Date.now() - settling;
    phase = 'stopping';
    await reaping;

    // ---- verify -------------------------------------------------------------------------------------
    const verification = await verify({
      brokers: stack.brokers,
      topics: TOPICS,
      pipeline: PIPELINE,
      pool: observer.pool,
      planned: new Map(planned.map((r) => [r.seq, r])),
      acknowledged: traffic.acknowledged,
    });
    const durationMs = Date.now() - started;
    const v = verification;
    const ok =
      drained &&
      settled &&
      unexpectedExits === 0 &&
      [
        v.lost,
        v.duplicated,
        v.unexpectedUnique,
        v.missingOutputs,
        v.extraOutputs,
        v.misrouted,
        v.duplicatesMismatch,
        v.lateMismatch,
        v.dlqMismatch,
        v.auditMismatch,
        v.inputLost,
      ].every((n) => n === 0) &&
      v.auditRows === v.inputRecords;
    const lines: [string, string] = [
      `chaos: kills=${killStats.total} broker_restarts=${brokerRestarts} pg_restarts=${pgRestarts} rebalances=${rebalances} lost=${v.lost} duplicated=${v.duplicated}`,
      `chaos: ${ok ? 'PASS' : 'FAIL'} seed=${seed} profile=${profile.name} duration=${(durationMs / 1000).toFixed(0)}s drain=${(drainMs / 1000).toFixed(0)}s drained=${drained} ` +
        `settle=${(settleMs / 1000).toFixed(0)}s settled=${settled} ` +
        `records=${v.inputRecords} resent=${v.resent} unique_ids=${v.uniqueIds} unexpected_unique=${v.unexpectedUnique} ` +
        `missing_outputs=${v.missingOutputs} extra_outputs=${v.extraOutputs} misrouted=${v.misrouted} ` +
        `duplicates_mismatch=${v.duplicatesMismatch} late_mismatch=${v.lateMismatch} dlq_mismatch=${v.dlqMismatch} ` +
        `audit_rows=${v.auditRows} audit_mismatch=${v.auditMismatch} input_lost=${v.inputLost} ` +
        `kills_owner=${killStats.owner} kills_member=${killStats.member} kills_starting=${killStats.starting} kills_unknown=${killStats.unknown} ` +
        `kills_targeted=${killStats.targeted} kills_between_commits=${killStats.betweenCommits} kills_session_timeout=${killStats.sessionTimeout} ` +
        `zombies=${zombies} unexpected_exits=${unexpectedExits} start_failures=${startFailures}`,
    ];
    const summary: ChaosSummary = {
      seed,
      profile,
      durationMs,
      drainMs,
      drained,
      settleMs,
      settled,
      kills: killStats,
      brokerRestarts,
      pgRestarts,
      rebalances,
      zombies,
      unexpectedExits,
      startFailures,
      recordsSent: traffic.acknowledged.size,
      verification,
      lines,
      runDir,
      ok,
    };
    for (const p of v.problems) log(`problem: ${p}`);
    await writeFile(path.join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    write(lines[0]);
    write(lines[1]);
    return summary;
  } finally {
    phase = 'stopping';
    await Promise.allSettled([...restarts]);
    await Promise.allSettled(slots.map((s) => s.close()));
    await observer.close();
    await stack.stop();
    log('stopped everything the run started');
  }
}

/** Waits until the group's committed offsets reach the end of every input partition, and stay there. */
async function drain(
  observer: Observer,
  timeoutMs: number,
  log: (msg: string) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let stable = 0;
  let last = '';
  while (Date.now() < deadline) {
    await sleep(1_000, signal);
    try {
      const lag = await withTimeout(observer.lag(), 5_000);
      const behind = lag.map((l) => Number(l.end - (l.committed ?? 0n)));
      const text = behind.join(',');
      if (text !== last) {
        log(`drain: records behind per partition [${text}]`);
        last = text;
      }
      stable = behind.every((n) => n === 0) ? stable + 1 : 0;
      if (stable >= 3) return true;
    } catch {
      stable = 0;
    }
  }
  log(`drain: NOT drained after ${timeoutMs / 1000} s (last: [${last}])`);
  return false;
}

/**
 * Waits until no transaction is open on any partition of `topics` (each one's last stable offset has
 * reached its end), so that the verifier's read_committed reads see every committed record. A
 * processor killed inside a Kafka transaction leaves it open until the broker aborts it: the
 * transaction timeout (10 s) and the broker's next check (2 s). The records other processors commit
 * after its first record on a partition stay invisible until then (docs/exactly-once.md).
 */
async function settle(
  brokers: string,
  topics: readonly string[],
  timeoutMs: number,
  log: (msg: string) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const open = (await stableOffsets(brokers, topics)).filter((o) => o.stable < o.end);
      if (open.length === 0) {
        if (last !== '') log('settle: no transaction open on the output topics');
        return true;
      }
      const text = open.map((o) => `${o.topic}/${o.partition} ${o.end - o.stable} behind`).join(', ');
      if (text !== last) log(`settle: open transaction(s) hold read_committed readers back: ${text}`);
      last = text;
    } catch (error) {
      log(`settle: could not read offsets (${String(error)})`);
    }
    if (Date.now() >= deadline) break;
    await sleep(1_000, signal);
  }
  log(`settle: a transaction still open after ${timeoutMs / 1000} s (last: ${last})`);
  return false;
}

/**
 * The generator: sends the planned records at a steady rate (catching up after a broker outage),
 * with an idempotent producer. A send that failed is sent again, so a record may land twice in the
 * input (the verifier takes the input topic, not the plan, as the truth). Late records wait until the
 * pipeline has a watermark.
 */
class Traffic {
  readonly acknowledged = new Set<number>();
  private producer: Producer | undefined;
  private waiting: (() => void)[] = [];
  private watermarkSeen = false;

  constructor(
    private readonly brokers: string,
    private readonly planned: readonly PlannedRecord[],
    private readonly observer: Observer,
    private readonly log: (msg: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Resolves after the next produce request was acknowledged. */
  nextSend(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async connect(): Promise<Producer> {
    if (this.producer !== undefined) return this.producer;
    const producer = new Kafka({
      clientId: 'chaos-generator',
      brokers: [this.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
    }).producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  async run(durationMs: number): Promise<void> {
    const start = Date.now();
    let next = 0;
    let failures = 0;
    try {
      while (next < this.planned.length) {
        const due = Math.min(
          this.planned.length,
          Math.ceil((this.planned.length * (Date.now() - start + 100)) / durationMs),
        );
        let end = Math.min(due, next + 500);
        const firstLate = this.planned.slice(next, end).findIndex((r) => isLate(r.kind));
        if (firstLate >= 0 && !this.watermarkSeen) {
          this.watermarkSeen = await this.observer.hasWatermark().catch(() => false);
          if (!this.watermarkSeen) end = next + firstLate;
        }
        if (end > next) {
          const batch = this.planned.slice(next, end);
          try {
            const producer = await this.connect();
            await producer.send({
              topic: TOPICS.input,
              acks: -1,
              messages: batch.map((r) => ({
                key: r.key,
                value: r.value,
                headers: { 'chaos-seq': String(r.seq), 'chaos-kind': r.kind },
              })),
            });
            for (const r of batch) this.acknowledged.add(r.seq);
            next = end;
            for (const resolve of this.waiting.splice(0)) resolve();
            failures = 0;
          } catch (error) {
            failures++;
            if (failures === 1 || failures % 10 === 0)
              this.log(`generator: send failed (${failures}x), sending again: ${String(error)}`);
            if (failures % 3 === 0) await this.reset();
            await sleep(500, this.signal);
            continue;
          }
        }
        await sleep(100, this.signal);
      }
    } finally {
      await this.reset();
    }
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
