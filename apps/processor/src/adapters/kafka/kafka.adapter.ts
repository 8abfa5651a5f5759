import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import {
  REFUSED_GENERATION_ERRORS,
  groupMetadataOf,
  installGroupFencedOffsetCommit,
  withGroupMetadata,
  type GroupMetadata,
} from './group-fenced-offset-commit';
import { JavaCompatiblePartitioner } from './java-compatible-partitioner';
import { installRequestQueueTimerFix } from './kafkajs-request-queue';
import { LastStableOffsetReader, type PartitionStableOffsets } from './last-stable-offsets';
import { UNSTABLE_OFFSET_COMMIT, installStableOffsetFetch } from './stable-offset-fetch';

/** A consumed record, in this codebase's terms (kafkajs types stay inside this file). */
export interface ConsumedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Producer or broker timestamp, epoch ms. */
  readonly timestamp: number;
}

export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  readonly highWatermark: string;
}

export interface OutputRecord {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: Buffer | string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface BatchControl {
  readonly heartbeat: () => Promise<void>;
  /** Moves the consumer's in-memory position past `offset` (after the Kafka transaction committed). */
  readonly markProcessed: (offset: string) => void;
  readonly isStale: () => boolean;
  readonly isRunning: () => boolean;
}

export type BatchHandler = (batch: ConsumedBatch, control: BatchControl) => Promise<void>;

/** What the adapter reports as it happens; PipelineService turns it into metrics (docs/metrics.md). */
export type KafkaEvent =
  /** This member joined the consumer group (a rebalance it took part in, its first join included). */
  | { readonly kind: 'group-joined' }
  /** A round's Kafka transaction committed (exactly-once only: at-least-once has none). */
  | { readonly kind: 'transaction-committed' }
  /** A round's Kafka transaction failed after it began, and was aborted (or left to the broker to abort). */
  | { readonly kind: 'transaction-aborted' }
  /**
   * The instance's transactional producer was fenced (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH): its
   * transactional id is this process's alone, so the broker aborted a transaction that outlived its
   * timeout. The producer is recreated and the transaction's batches retried.
   */
  | { readonly kind: 'producer-fenced' }
  /**
   * The group coordinator refused a round's offsets: the generation its batches were consumed in is
   * over (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID), so their partitions are no longer this member's.
   */
  | { readonly kind: 'generation-refused' }
  /** The consumer stopped on an error kafkajs does not retry; a new one starts after a backoff. */
  | { readonly kind: 'consumer-crashed' };

const CONCURRENT_TRANSACTIONS = 'CONCURRENT_TRANSACTIONS';
/** The key of the one non-transactional producer in `producers` (PROCESSING_GUARANTEE=at_least_once). */
const AT_LEAST_ONCE_PRODUCER = '';
const COMMIT_ATTEMPTS = 6;
/** A new consumer after a crash kafkajs gives up on: 1 s, doubling to at most a minute... */
const CONSUMER_RESTART_MAX_MS = 60_000;
/** ...counted from 1 again once the last crash is this old. */
const CRASH_MEMORY_MS = 10 * 60_000;
const FENCING_ERRORS = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

function isFencing(error: unknown): boolean {
  return someCause(
    error,
    (type, message) =>
      (type !== undefined && FENCING_ERRORS.has(type)) ||
      (message !== undefined && /old epoch|has been fenced/i.test(message)),
  );
}

function isRefusedGeneration(error: unknown): boolean {
  return someCause(error, (type) => type !== undefined && REFUSED_GENERATION_ERRORS.has(type));
}

function someCause(error: unknown, test: (type?: string, message?: string) => boolean): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const { type, message } = e as { type?: unknown; message?: unknown };
    if (test(typeof type === 'string' ? type : undefined, typeof message === 'string' ? message : undefined))
      return true;
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return false;
}

/** A batch waiting for its round's Kafka transaction. */
interface RoundItem {
  readonly input: { readonly topic: string; readonly partition: number; readonly nextOffset: string };
  readonly outputs: readonly OutputRecord[];
  /** The consumer group generation the batch was consumed in: what its offsets are committed with. */
  readonly group: GroupMetadata;
  readonly settle: (outcome: RoundOutcome) => void;
}

type RoundOutcome =
  | { readonly kind: 'committed' }
  | { readonly kind: 'refused' }
  | { readonly kind: 'failed'; readonly error: unknown };

/** How a batch's Kafka transaction ended. */
export type CommitResult =
  /** This call committed the outputs and the offset. */
  | 'committed'
  /** An earlier attempt (whose result was unclear) had committed them: nothing was sent again. */
  | 'already-committed'
  /** The partition is no longer ours: the new owner re-processes the batch. */
  | 'not-assigned';

/**
 * The one place that knows kafkajs. Consume-transform-produce in Kafka transactions: all outputs of a
 * batch and the input offsets commit atomically. The batches of a kafkajs round (one per partition
 * consumed concurrently) join one Kafka transaction of the instance's one transactional producer
 * (ADR 0016, 0017). Zombie fencing is by consumer group generation (KIP-447): the offsets are
 * committed with the generation their batches were consumed in (group-fenced-offset-commit.ts), and
 * the group coordinator refuses them once that generation is over.
 */
@Injectable()
export class KafkaAdapter {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private consumer: Consumer | undefined;
  private readonly producers = new Map<string, Promise<Producer>>();
  private readonly log: JsonLogger;
  private adminConnected = false;
  /** Bumped on every group join; a partition's first batch in a generation is fenced first. */
  private generation = 0;
  private assigned = new Set<string>();
  private readonly rebalanceListeners: (() => void)[] = [];
  private readonly eventListeners: ((event: KafkaEvent) => void)[] = [];
  private readonly batchEndListeners: (() => void)[] = [];
  /** Output partitions' end and last stable offsets (a kafkajs cluster of its own; see the module). */
  private readonly stableOffsets: LastStableOffsetReader;
  /**
   * This instance's transactional id: random per process (ADR 0017). Fencing does not need it to be
   * stable; a killed instance's open transaction is aborted by the broker after the transaction
   * timeout (KAFKA_TRANSACTION_TIMEOUT_MS, 10 s by default).
   */
  private readonly transactionalId: string;
  /** Per partition, the group metadata of the batch eachBatch is running for it (one at a time). */
  private readonly batchGroups = new Map<string, GroupMetadata>();
  /** eachBatch calls in flight: a round's transaction waits (up to BATCH_ROUND_WAIT_MS) for all of them. */
  private activeBatches = 0;
  private roundQueue: RoundItem[] = [];
  private roundRunning = false;
  private roundTimer: NodeJS.Timeout | undefined;
  /**
   * The last crash kafkajs did not recover from: its error while no new consumer has joined yet (null
   * once one has), and how many came in a row (the restart's backoff).
   */
  private crashed: { error: string | null; at: number; attempt: number } | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'kafka' });
    // Every OffsetFetch asks for stable offsets (KIP-447): see stable-offset-fetch.ts.
    installStableOffsetFetch();
    // Transactional offset commits carry the consumer's generation: see group-fenced-offset-commit.ts.
    installGroupFencedOffsetCommit();
    this.transactionalId = `${config.kafka.groupId}.${config.kafka.clientId}.${randomUUID()}`;
    // Idle connections do not wake the event loop every millisecond: see kafkajs-request-queue.ts.
    installRequestQueueTimerFix();
    this.kafka = new Kafka({
      clientId: config.kafka.clientId,
      brokers: [...config.kafka.brokers],
      logLevel: KafkaLogLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...rest } = entry.log;
        this.log.write(kafkaLogLevel(entry.level, entry.namespace, message), message, {
          kafka_namespace: entry.namespace,
          ...rest,
        });
      },
      retry: { initialRetryTime: 200, retries: 8 },
    });
    this.admin = this.kafka.admin();
    this.stableOffsets = new LastStableOffsetReader(this.kafka);
  }

  /** Creates the pipeline's topics if they do not exist (auto-creation is off on our brokers). */
  async ensureTopics(topics: readonly string[], partitions: number): Promise<void> {
    await this.connectAdmin();
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })),
    });
    this.log.write('info', 'created topics', { topics: missing, partitions });
  }

  /**
   * Per partition this member was last assigned (kept through a consumer crash: its lag is what
   * shows the stall), the records after the group's committed offset.
   */
  async assignedLag(): Promise<{ topic: string; partition: number; lag: number }[]> {
    const byTopic = new Map<string, Set<number>>();
    for (const key of this.assigned) {
      const at = key.lastIndexOf('/');
      const topic = key.slice(0, at);
      let set = byTopic.get(topic);
      if (set === undefined) byTopic.set(topic, (set = new Set()));
      set.add(Number(key.slice(at + 1)));
    }
    if (byTopic.size === 0) return [];
    await this.connectAdmin();
    const out: { topic: string; partition: number; lag: number }[] = [];
    for (const [topic, partitions] of byTopic) {
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        retryOn(UNSTABLE_OFFSET_COMMIT, () =>
          this.admin.fetchOffsets({ groupId: this.config.kafka.groupId, topics: [topic] }),
        ),
      ]);
      const positions = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
      for (const end of ends) {
        if (!partitions.has(end.partition)) continue;
        const position = positions.get(end.partition);
        const from = position === undefined || position === '-1' ? BigInt(end.low) : BigInt(position);
        out.push({ topic, partition: end.partition, lag: Number(BigInt(end.high) - from) });
      }
    }
    return out;
  }

  /** Low and high offsets of every partition of `topic`; null when the topic does not exist. */
  async topicOffsets(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[] | null> {
    await this.connectAdmin();
    if (!(await this.admin.listTopics()).includes(topic)) return null;
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  }

  /**
   * Every partition of `topics`: its end offset and its last stable offset (how far read_committed
   * readers see). They differ while a transaction is open on the partition.
   */
  async lastStableOffsets(topics: readonly string[]): Promise<PartitionStableOffsets[]> {
    return this.stableOffsets.read(topics);
  }

  /** Per partition, the first offset whose record timestamp is at or after `ms` (else the end). */
  async offsetsAtTime(topic: string, ms: number): Promise<Map<number, bigint>> {
    await this.connectAdmin();
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, ms);
    return new Map(offsets.map((p) => [p.partition, BigInt(p.offset)]));
  }

  /**
   * Commits `offsets` for a consumer group that has not committed those partitions yet (a new
   * backfill's group starts at its range, not at the log start); committed partitions are kept, so
   * calling this again on a resumed job changes nothing. The group must have no members.
   */
  async seedGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: bigint }[],
  ): Promise<void> {
    await this.connectAdmin();
    const committed = await retryOn(UNSTABLE_OFFSET_COMMIT, () =>
      this.admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    const has = new Set(
      (committed[0]?.partitions ?? []).filter((p) => p.offset !== '-1').map((p) => p.partition),
    );
    const missing = offsets.filter((o) => !has.has(o.partition));
    if (missing.length === 0) return;
    await this.admin.setOffsets({
      groupId,
      topic,
      partitions: missing.map((o) => ({ partition: o.partition, offset: o.offset.toString() })),
    });
  }

  /** Stops fetching a partition (a backfill partition that reached the end of its range). */
  pause(topic: string, partition: number): void {
    this.consumer?.pause([{ topic, partitions: [partition] }]);
  }

  /** Ready when the cluster answers a metadata request. */
  async ping(): Promise<void> {
    await this.connectAdmin();
    await this.admin.describeCluster();
  }

  async start(handler: BatchHandler): Promise<void> {
    this.stopping = false;
    await this.runConsumer(handler);
  }

  /**
   * Why the consumer is not consuming, from a crash kafkajs does not recover from until the consumer
   * started in its place has joined the group; null when it is consuming (readiness reports it).
   */
  get consumerFailure(): string | null {
    return this.crashed?.error ?? null;
  }

  /** Starts a new consumer after `delayMs`, and again, backing off, while it cannot start. */
  private scheduleRestart(handler: BatchHandler, attempt: number, delayMs: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.runConsumer(handler).catch((error: unknown) => {
        const next = attempt + 1;
        this.crashed = { error: String(error), at: Date.now(), attempt: next };
        this.log.write('error', 'could not start a new consumer', { error: String(error), attempt: next });
        this.scheduleRestart(handler, next, Math.min(CONSUMER_RESTART_MAX_MS, 1_000 * 2 ** (next - 1)));
      });
    }, delayMs);
  }

  private async runConsumer(handler: BatchHandler): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.config.kafka.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.config.kafka.sessionTimeoutMs,
      heartbeatInterval: Math.max(1_000, Math.floor(this.config.kafka.sessionTimeoutMs / 10)),
      // A batch closes when the fetch returns: at once when records are there (lingerMs 0), or after
      // up to lingerMs unless a MiB has arrived first (fewer, larger transactions at low load).
      ...(this.config.kafka.batch.lingerMs > 0
        ? { maxWaitTimeInMs: this.config.kafka.batch.lingerMs, minBytes: 1_048_576 }
        : {}),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (this.crashed !== undefined) this.crashed = { ...this.crashed, error: null };
      this.generation++;
      this.assigned = new Set(
        Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) =>
          partitions.map((p) => `${topic}/${p}`),
        ),
      );
      this.emit({ kind: 'group-joined' });
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.assigned = new Set();
      for (const listener of this.rebalanceListeners) listener();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.consumer !== consumer || this.stopping) return;
      // kafkajs restarts its consumer after a retriable error, and gives up for good on one it deems
      // not retriable (a broker's MESSAGE_TOO_LARGE or an authorization failure, say): the process
      // would run on, consuming nothing. Start a new consumer after a backoff instead; until it has
      // joined, readiness says why it is not consuming.
      const error = String(event.payload.error);
      const recent = this.crashed !== undefined && Date.now() - this.crashed.at < CRASH_MEMORY_MS;
      const attempt = recent ? (this.crashed?.attempt ?? 0) + 1 : 1;
      const delayMs = Math.min(CONSUMER_RESTART_MAX_MS, 1_000 * 2 ** (attempt - 1));
      // The assignment stays as it was until the new consumer joins: its lag is what shows the stall.
      this.crashed = { error, at: Date.now(), attempt };
      this.log.write('error', 'the consumer stopped on an error kafkajs does not retry; starting a new one', {
        error,
        attempt,
        delay_ms: delayMs,
      });
      this.emit({ kind: 'consumer-crashed' });
      this.scheduleRestart(handler, attempt, delayMs);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.config.topics.input], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async (payload) => {
        this.activeBatches++;
        try {
          await this.runBatch(handler, payload);
        } finally {
          this.activeBatches--;
          this.batchGroups.delete(`${payload.batch.topic}/${payload.batch.partition}`);
          this.maybeRunRound();
          for (const listener of this.batchEndListeners) listener();
        }
      },
    });
  }

  private async runBatch(handler: BatchHandler, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const group = groupMetadataOf(batch);
    if (group === undefined && this.config.kafka.guarantee === 'exactly_once') {
      throw new Error('kafkajs gave a batch without its group generation (group-fenced-offset-commit.ts)');
    }
    if (group !== undefined) this.batchGroups.set(`${batch.topic}/${batch.partition}`, group);
    let processedUpTo: string | undefined;
    const control: BatchControl = {
      heartbeat: () => payload.heartbeat(),
      markProcessed: (offset) => {
        processedUpTo = offset;
        payload.resolveOffset(offset);
      },
      isStale: () => payload.isStale(),
      isRunning: () => payload.isRunning(),
    };
    // At most maxRecords per transaction: a large fetch (a backlog) becomes several batches, so
    // one transaction's size, and the latency of its first record, stay bounded.
    const { maxRecords } = this.config.kafka.batch;
    for (let from = 0; from < batch.messages.length; from += maxRecords) {
      if (from > 0) {
        // The partition may have been revoked meanwhile: its new owner takes the rest.
        if (!payload.isRunning() || payload.isStale()) return;
        await payload.heartbeat();
      }
      const records = batch.messages.slice(from, from + maxRecords).map((m): ConsumedRecord => ({
        offset: m.offset,
        key: m.key ?? null,
        value: m.value ?? null,
        headers: decodeHeaders(m.headers),
        timestamp: Number(m.timestamp),
      }));
      await handler(
        { topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark },
        control,
      );
      // A chunk the handler left uncommitted (the partition moved on) ends the batch: committing
      // a later chunk's offset would skip this one's records.
      if (processedUpTo !== records.at(-1)?.offset) return;
    }
  }

  /** eachBatch calls in flight (one per partition being consumed). */
  get batchesInFlight(): number {
    return this.activeBatches;
  }

  /** Called, synchronously, each time an eachBatch call ends (`batchesInFlight` is one less). */
  onBatchEnd(listener: () => void): void {
    this.batchEndListeners.push(listener);
  }

  /** Called when the group starts rebalancing (this member's partitions are about to change). */
  onRebalance(listener: () => void): void {
    this.rebalanceListeners.push(listener);
  }

  /** Called for every KafkaEvent (transactions, fencing, group joins), synchronously. */
  onEvent(listener: (event: KafkaEvent) => void): void {
    this.eventListeners.push(listener);
  }

  private emit(event: KafkaEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  /** Group generation: changes when partitions are (re)assigned. */
  get assignmentGeneration(): number {
    return this.generation;
  }

  isAssigned(topic: string, partition: number): boolean {
    return this.assigned.has(`${topic}/${partition}`);
  }

  /**
   * Before the first batch of a newly assigned partition: the group's committed offset, read stable
   * (require_stable, stable-offset-fetch.ts): a transactional commit still pending for the partition
   * (a previous owner's, or a killed instance's open transaction until the broker aborts it after the
   * transaction timeout) is waited for, not missed.
   */
  async readCommittedOffset(topic: string, partition: number): Promise<bigint | null> {
    return this.committedOffset(topic, partition);
  }

  /**
   * Produces `outputs` and commits the input offset (`nextOffset` = last processed + 1) in a Kafka
   * transaction, retrying with backoff. The batch joins its round's transaction: the instance's one
   * transactional producer sends the outputs of every batch that joined it and one TxnOffsetCommit
   * for all their partitions, carrying the group generation they were consumed in, and commits
   * (ADR 0017). A failed transaction is aborted (a producer whose abort fails is recreated) and every
   * batch in it retries. Before a retry the outcome of the previous attempt is settled: the producer's
   * abort, or a fresh producer's InitProducerId, has completed or aborted whatever that attempt left
   * open, and if the group's committed offset already reaches `nextOffset`, the earlier commit went
   * through (its answer was lost) and nothing is sent again. A retry stops as soon as the partition is
   * no longer assigned to us; a commit the group coordinator refuses (the generation is over) means
   * the same.
   */
  async commitBatch(
    input: { topic: string; partition: number; firstOffset: string; nextOffset: string },
    outputs: readonly OutputRecord[],
    onRetry: (attempt: number, error: unknown) => void = () => undefined,
  ): Promise<CommitResult> {
    if (this.config.kafka.guarantee === 'at_least_once')
      return this.publishThenCommit(input, outputs, onRetry);
    const group = this.batchGroups.get(`${input.topic}/${input.partition}`);
    if (group === undefined) {
      throw new Error(
        `no consumer group generation for ${input.topic}/${input.partition}: a batch commits only from eachBatch`,
      );
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        onRetry(attempt, lastError);
        await commitBackoff(attempt);
        if (!this.isAssigned(input.topic, input.partition)) return 'not-assigned';
        try {
          // The failed round's transaction is settled: aborted, or its producer discarded and this
          // one's InitProducerId completed or aborted it.
          await this.producerFor(this.transactionalId);
          const committed = await this.committedOffset(input.topic, input.partition);
          if (committed !== null && committed >= BigInt(input.nextOffset)) {
            // The earlier attempt's transaction did commit (that attempt reported a failure).
            return 'already-committed';
          }
          // Someone else has committed part of this batch: it is working on the partition now.
          // Re-sending the whole batch would publish that part twice.
          if (committed !== null && committed > BigInt(input.firstOffset)) return 'not-assigned';
        } catch (error) {
          lastError = error;
          continue;
        }
      }
      const outcome = await this.joinRound(input, outputs, group);
      if (outcome.kind === 'committed') return 'committed';
      if (outcome.kind === 'refused') return 'not-assigned';
      lastError = outcome.error;
    }
    throw lastError;
  }

  /** Queues the batch for its round's transaction; resolves with how that transaction ended. */
  private joinRound(
    input: { topic: string; partition: number; nextOffset: string },
    outputs: readonly OutputRecord[],
    group: GroupMetadata,
  ): Promise<RoundOutcome> {
    return new Promise((settle) => {
      this.roundQueue.push({ input, outputs, group, settle });
      this.maybeRunRound();
    });
  }

  /**
   * Starts the round's transaction once every batch in flight has joined (or BATCH_ROUND_WAIT_MS after
   * the first one did); one transaction at a time (kafkajs allows one open transaction per producer).
   */
  private maybeRunRound(): void {
    if (this.roundRunning || this.roundQueue.length === 0) return;
    const waitMs = this.config.kafka.batch.roundWaitMs;
    if (this.roundQueue.length < this.activeBatches && waitMs > 0) {
      this.roundTimer ??= setTimeout(() => {
        this.roundTimer = undefined;
        this.runRound();
      }, waitMs);
      return;
    }
    this.runRound();
  }

  private runRound(): void {
    if (this.roundRunning || this.roundQueue.length === 0) return;
    if (this.roundTimer !== undefined) clearTimeout(this.roundTimer);
    this.roundTimer = undefined;
    // One TxnOffsetCommit carries one generation: batches of another generation (a rejoin between
    // rounds) wait for the next transaction.
    const first = this.roundQueue[0]?.group;
    if (first === undefined) return;
    const sameGroup = (g: GroupMetadata) =>
      g.generationId === first.generationId && g.memberId === first.memberId;
    const items = this.roundQueue.filter((i) => sameGroup(i.group));
    this.roundQueue = this.roundQueue.filter((i) => !sameGroup(i.group));
    this.roundRunning = true;
    void this.transact(items, first)
      .then((outcome) => {
        for (const i of items) i.settle(outcome);
      })
      .finally(() => {
        this.roundRunning = false;
        this.maybeRunRound();
      });
  }

  /** One Kafka transaction: every item's outputs, one TxnOffsetCommit for all their partitions, commit. */
  private async transact(items: readonly RoundItem[], group: GroupMetadata): Promise<RoundOutcome> {
    const id = this.transactionalId;
    let txn: Awaited<ReturnType<Producer['transaction']>>;
    try {
      txn = await (await this.producerFor(id)).transaction();
    } catch (error) {
      return { kind: 'failed', error };
    }
    try {
      for (const chunk of requestChunks(items.flatMap((i) => i.outputs)))
        await txn.sendBatch({ topicMessages: topicMessages(chunk) });
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const { input } of items) {
        let partitions = byTopic.get(input.topic);
        if (partitions === undefined) byTopic.set(input.topic, (partitions = []));
        partitions.push({ partition: input.partition, offset: input.nextOffset });
      }
      const topics = withGroupMetadata(
        [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
        group,
      );
      await retryOn(CONCURRENT_TRANSACTIONS, () =>
        txn.sendOffsets({ consumerGroupId: this.config.kafka.groupId, topics }),
      );
      await txn.commit();
    } catch (error) {
      try {
        await txn.abort();
      } catch (abortError) {
        this.log.write('warn', 'transaction abort failed; recreating producer', {
          transactional_id: id,
          error: String(abortError),
        });
        await this.discardProducer(id);
      }
      this.emit({ kind: 'transaction-aborted' });
      if (isRefusedGeneration(error)) {
        this.emit({ kind: 'generation-refused' });
        this.log.write('info', "the group refused the round's offsets: its generation is over", {
          generation: group.generationId,
          partitions: items.map((i) => `${i.input.topic}/${i.input.partition}`),
          error: String(error),
        });
        return { kind: 'refused' };
      }
      if (isFencing(error)) {
        // Our id is ours alone: the broker aborted a transaction that outlived its timeout. A new
        // producer (InitProducerId bumps the epoch) serves the retries.
        this.emit({ kind: 'producer-fenced' });
        await this.discardProducer(id);
      }
      return { kind: 'failed', error };
    }
    this.emit({ kind: 'transaction-committed' });
    return { kind: 'committed' };
  }

  /**
   * At-least-once (PROCESSING_GUARANTEE=at_least_once): publish with the shared idempotent producer
   * (acks=all, no duplicates from its own retries), then commit the offset. A failure or a crash
   * between the two re-publishes the batch; a lost partition leaves it to the new owner.
   */
  private async publishThenCommit(
    input: { topic: string; partition: number; nextOffset: string },
    outputs: readonly OutputRecord[],
    onRetry: (attempt: number, error: unknown) => void,
  ): Promise<CommitResult> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        onRetry(attempt, lastError);
        await commitBackoff(attempt);
        if (!this.isAssigned(input.topic, input.partition)) return 'not-assigned';
      }
      try {
        const producer = await this.producerFor(AT_LEAST_ONCE_PRODUCER);
        for (const chunk of requestChunks(outputs)) {
          await producer.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
        }
        if (this.consumer === undefined) throw new Error('the consumer is not running');
        await this.consumer.commitOffsets([
          { topic: input.topic, partition: input.partition, offset: input.nextOffset },
        ]);
        return 'committed';
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  /**
   * Produces records outside any transaction with the shared idempotent producer (acks=all; its own
   * retries add no duplicates), e.g. DLQ records a replay run sends back (docs/adr/0009). Resolves
   * once every record is acknowledged.
   */
  async publish(records: readonly OutputRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.producerFor(AT_LEAST_ONCE_PRODUCER);
    for (const chunk of requestChunks(records)) {
      await producer.sendBatch({ acks: -1, topicMessages: topicMessages(chunk) });
    }
  }

  /** The group's committed offset of a partition, once no transactional commit to it is pending. */
  private async committedOffset(topic: string, partition: number): Promise<bigint | null> {
    await this.connectAdmin();
    // Long enough to wait out a killed instance's open transaction, which the broker aborts after
    // the transaction timeout (and its check interval, 2 s on our brokers).
    const attempts = 5 + Math.ceil((this.config.kafka.transactionTimeoutMs + 5_000) / 500);
    const topics = await retryOn(
      UNSTABLE_OFFSET_COMMIT,
      () => this.admin.fetchOffsets({ groupId: this.config.kafka.groupId, topics: [topic] }),
      attempts,
    );
    const offset = topics[0]?.partitions.find((p) => p.partition === partition)?.offset;
    return offset === undefined || offset === '-1' ? null : BigInt(offset);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== undefined) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    // consumer.disconnect waits for the in-flight eachBatch to finish before leaving the group.
    await this.consumer?.disconnect();
    this.consumer = undefined;
    const producers = [...this.producers.keys()];
    await Promise.allSettled(producers.map((id) => this.discardProducer(id)));
    await this.stableOffsets.close();
    if (this.adminConnected) await this.admin.disconnect();
    this.adminConnected = false;
  }

  private async connectAdmin(): Promise<void> {
    if (this.adminConnected) return;
    await this.admin.connect();
    this.adminConnected = true;
  }

  /** The transactional producer for an id, or the shared idempotent one (AT_LEAST_ONCE_PRODUCER). */
  private producerFor(transactionalId: string): Promise<Producer> {
    let producer = this.producers.get(transactionalId);
    if (producer === undefined) {
      const transactional = transactionalId !== AT_LEAST_ONCE_PRODUCER;
      const created = this.kafka.producer({
        ...(transactional ? { transactionalId } : {}),
        idempotent: true,
        maxInFlightRequests: 1,
        // The transaction coordinator answers CONCURRENT_TRANSACTIONS to a batch's first
        // AddPartitionsToTxn while it is still writing the previous transaction's commit markers
        // (10–30 ms here with four partitions' producers). kafkajs retries that with the client's
        // backoff (200 ms, for connection trouble): 200 ms added to most batches, measured as the
        // exactly-once p50 at low load (docs/benchmarks.md). The Java client retries this case after
        // 20 ms (KAFKA-5477); 5 ms, doubling, lands closer to when the markers are done: back to back,
        // 4 producers, 100 records each, a transaction took 37 ms instead of 53 and 22 instead of 30
        // (means, two rounds; 2 ms did no better). 14 retries keep the budget near 12 s for outages.
        retry: { initialRetryTime: 5, maxRetryTime: 2_000, retries: 14 },
        transactionTimeout: this.config.kafka.transactionTimeoutMs,
        allowAutoTopicCreation: false,
        // kafkajs's DefaultPartitioner (the Java client's), with a murmur2 that allocates nothing.
        createPartitioner: JavaCompatiblePartitioner,
      });
      producer = created.connect().then(() => (transactional ? initTransactions(created) : created));
      producer.catch(() => this.producers.delete(transactionalId));
      this.producers.set(transactionalId, producer);
    }
    return producer;
  }

  private async discardProducer(transactionalId: string): Promise<void> {
    const producer = this.producers.get(transactionalId);
    this.producers.delete(transactionalId);
    if (producer === undefined) return;
    try {
      await (await producer).disconnect();
    } catch {
      // A producer that failed to connect or is already gone has nothing left to release.
    }
  }
}

/**
 * Our level for a kafkajs log line. kafkajs logs every error response at ERROR, even those it
 * retries (coordinator loading, CONCURRENT_TRANSACTIONS); connection-level ones are therefore only
 * warnings here. Its warning that bounded retries on an idempotent producer "may invalidate EoS
 * guarantees" is logged per producer, and does not apply: a transactional send that gives up aborts
 * the transaction, which the batch then retries whole (ADR 0003); the at-least-once producer
 * re-publishes by contract. It is kept, at debug.
 */
export function kafkaLogLevel(
  level: KafkaLogLevel,
  namespace: string,
  message: string,
): 'debug' | 'info' | 'warn' | 'error' {
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (level <= KafkaLogLevel.ERROR && namespace !== 'Connection') return 'error';
  return level <= KafkaLogLevel.WARN ? 'warn' : 'info';
}

/**
 * Bytes of records per produce request. kafkajs sends one record batch per partition per request and
 * never splits it, and the broker refuses a batch above `message.max.bytes` (1 MiB by default) with a
 * non-retriable error, which stops the consumer: a batch of a few thousand 600-byte records to one
 * partition (the DLQ topic's, say) is enough. Sending in requests of at most this much keeps every
 * record batch under the limit for any record that fits it on its own.
 */
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * A record's size on the wire, near enough: on the hot path, so header strings are counted in UTF-16
 * units (their bytes for the ASCII headers we write; at most 3× fewer for others), well inside the
 * twofold margin between MAX_REQUEST_BYTES and the broker's limit.
 */
function sizeOf(o: OutputRecord): number {
  let n = 70; // record overhead, roughly
  if (o.key !== null) n += o.key.length;
  if (o.value !== null) n += typeof o.value === 'string' ? Buffer.byteLength(o.value) : o.value.length;
  for (const k in o.headers) n += k.length + (o.headers[k]?.length ?? 0) + 4;
  return n;
}

/** The outputs in consecutive chunks of at most MAX_REQUEST_BYTES (a larger record alone). */
export function requestChunks(
  outputs: readonly OutputRecord[],
  maxBytes = MAX_REQUEST_BYTES,
): OutputRecord[][] {
  const chunks: OutputRecord[][] = [];
  let chunk: OutputRecord[] = [];
  let bytes = 0;
  for (const o of outputs) {
    const size = sizeOf(o);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(o);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function topicMessages(outputs: readonly OutputRecord[]) {
  const byTopic = new Map<
    string,
    { key: string | Buffer | null; value: Buffer | string | null; headers: IHeaders }[]
  >();
  for (const o of outputs) {
    let list = byTopic.get(o.topic);
    if (list === undefined) byTopic.set(o.topic, (list = []));
    list.push({ key: o.key, value: o.value, headers: o.headers });
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Registers the producer's transactional id with the transaction coordinator now (InitProducerId with
 * the id): that bumps the id's epoch, which fences every older producer with the id, and returns only
 * once the id's open transaction, if any, has been completed or aborted. kafkajs does this lazily, on
 * the first `transaction()` call; its `connect()` only fetches a non-transactional producer id, which
 * fences nobody. Lazily is too late for us: the fence must come before the committed offset is read,
 * or a previous owner can still commit after the read (the duplicate the chaos suite found), and an
 * owner that took over must not be fenced later by a zombie's first `transaction()` call.
 * Beginning and aborting an empty transaction sends nothing but the InitProducerId.
 */
async function initTransactions(producer: Producer): Promise<Producer> {
  const txn = await producer.transaction();
  await txn.abort();
  return producer;
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    out[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return out;
}

/** Before a batch commit's retry: exponential with full jitter, at most 5 s. */
function commitBackoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.round(Math.random() * Math.min(5_000, 100 * 2 ** attempt))));
}

/**
 * kafkajs does not retry AddOffsetsToTxn on CONCURRENT_TRANSACTIONS, common right after a commit, nor
 * admin.fetchOffsets on UNSTABLE_OFFSET_COMMIT, which lasts until the commit markers are applied.
 */
async function retryOn<T>(errorType: string, work: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type !== errorType || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 500)));
    }
  }
}
