import { Inject, Injectable } from '@nestjs/common';
import {
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type IHeaders,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
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
  /** A batch's Kafka transaction committed (exactly-once only: at-least-once has none). */
  | { readonly kind: 'transaction-committed' }
  /** A batch's Kafka transaction failed after it began, and was aborted (or left to the broker to abort). */
  | { readonly kind: 'transaction-aborted' }
  /**
   * The partition's transactional producer was fenced (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH):
   * another owner initialised its transactional id, or the broker aborted a transaction that outlived
   * its timeout. Reported once per fencing; the batch then fails with PartitionFencedError.
   */
  | { readonly kind: 'producer-fenced'; readonly topic: string; readonly partition: number }
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

/**
 * Our transactional producer for a partition was fenced: another member initialised the same
 * transactional id, so it owns the partition now (or the broker aborted a transaction that outlived
 * its timeout). Never re-initialise the producer here: that would fence the rightful owner in turn,
 * and both would publish the batch. The error leaves eachBatch; kafkajs restarts the consumer, which
 * rejoins the group, and only a fresh assignment of the partition fences again (PipelineService).
 */
export class PartitionFencedError extends Error {
  constructor(topic: string, partition: number, cause: unknown) {
    super(`producer for ${topic}/${partition} was fenced by another owner: ${String(cause)}`, { cause });
  }
}

function isFencing(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const { type, message } = e as { type?: unknown; message?: unknown };
    if (typeof type === 'string' && FENCING_ERRORS.has(type)) return true;
    if (typeof message === 'string' && /old epoch|has been fenced/i.test(message)) return true;
    e =
      (e as { cause?: unknown; originalError?: unknown }).cause ??
      (e as { originalError?: unknown }).originalError;
  }
  return false;
}

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
 * batch and the input offsets commit atomically. kafkajs allows one open transaction per producer and
 * its sendOffsets carries no group generation, so there is one transactional producer per input
 * partition with a transactional id derived from group, topic and partition: a restarted or
 * rebalanced owner of the partition fences the previous one (zombie fencing by transactional id).
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
  /** Output partitions' end and last stable offsets (a kafkajs cluster of its own; see the module). */
  private readonly stableOffsets: LastStableOffsetReader;
  /** Transactional ids fenced in a generation: not re-initialised until the next assignment. */
  private readonly fencedIds = new Map<string, number>();
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
        const { batch } = payload;
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
      },
    });
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
   * Before the first batch of a newly assigned partition: (re)initialise its transactional producer,
   * which fences a previous owner and waits until that owner's open transaction has completed, then
   * read the group's committed offset: a stable one (require_stable, stable-offset-fetch.ts), so a
   * commit whose markers the group coordinator is still applying is waited for, not missed.
   */
  async fenceAndReadCommitted(topic: string, partition: number): Promise<bigint | null> {
    if (this.config.kafka.guarantee === 'at_least_once') return this.committedOffset(topic, partition);
    const id = this.transactionalId(topic, partition);
    this.fencedIds.delete(id);
    await this.discardProducer(id);
    await this.producerFor(id);
    return this.committedOffset(topic, partition);
  }

  /**
   * Produces `outputs` and commits the input offset (`nextOffset` = last processed + 1) in one Kafka
   * transaction, retrying with backoff. A failed attempt is aborted; a producer whose abort fails is
   * recreated. Before each retry the outcome of the previous attempt is settled: a fresh producer's
   * InitProducerId completes or aborts whatever that attempt left open, and if the group's committed
   * offset already reaches `nextOffset`, the earlier commit went through (its answer was lost) and
   * nothing is sent again. A retry stops as soon as the partition is no longer assigned to us.
   */
  async commitBatch(
    input: { topic: string; partition: number; firstOffset: string; nextOffset: string },
    outputs: readonly OutputRecord[],
    onRetry: (attempt: number, error: unknown) => void = () => undefined,
  ): Promise<CommitResult> {
    if (this.config.kafka.guarantee === 'at_least_once')
      return this.publishThenCommit(input, outputs, onRetry);
    const id = this.transactionalId(input.topic, input.partition);
    let lastError: unknown;
    for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        onRetry(attempt, lastError);
        await commitBackoff(attempt);
        if (!this.isAssigned(input.topic, input.partition)) return 'not-assigned';
        try {
          await this.discardProducer(id);
          await this.producerFor(id);
          const committed = await this.committedOffset(input.topic, input.partition);
          if (committed !== null && committed >= BigInt(input.nextOffset)) {
            // The earlier attempt's transaction did commit (that attempt also reported an abort).
            this.emit({ kind: 'transaction-committed' });
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
      try {
        await this.transact(id, input, outputs);
        this.emit({ kind: 'transaction-committed' });
        return 'committed';
      } catch (error) {
        if (error instanceof PartitionFencedError) throw error;
        if (isFencing(error)) {
          this.fencedIds.set(id, this.generation);
          this.emit({ kind: 'producer-fenced', topic: input.topic, partition: input.partition });
          await this.discardProducer(id);
          throw new PartitionFencedError(input.topic, input.partition, error);
        }
        lastError = error;
      }
    }
    throw lastError;
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

  private async transact(
    id: string,
    input: { topic: string; partition: number; nextOffset: string },
    outputs: readonly OutputRecord[],
  ): Promise<void> {
    if (this.fencedIds.get(id) === this.generation) {
      throw new PartitionFencedError(input.topic, input.partition, 'fenced earlier in this generation');
    }
    const producer = await this.producerFor(id);
    const txn = await producer.transaction();
    try {
      for (const chunk of requestChunks(outputs))
        await txn.sendBatch({ topicMessages: topicMessages(chunk) });
      await retryOn(CONCURRENT_TRANSACTIONS, () =>
        txn.sendOffsets({
          consumerGroupId: this.config.kafka.groupId,
          topics: [
            { topic: input.topic, partitions: [{ partition: input.partition, offset: input.nextOffset }] },
          ],
        }),
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
      throw error;
    }
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
    const topics = await retryOn(UNSTABLE_OFFSET_COMMIT, () =>
      this.admin.fetchOffsets({ groupId: this.config.kafka.groupId, topics: [topic] }),
    );
    const offset = topics[0]?.partitions.find((p) => p.partition === partition)?.offset;
    return offset === undefined || offset === '-1' ? null : BigInt(offset);
  }

  private transactionalId(topic: string, partition: number): string {
    return `${this.config.kafka.groupId}.${topic}.${partition}`;
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
