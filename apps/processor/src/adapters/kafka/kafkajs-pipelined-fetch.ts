// kafkajs fetches in rounds. Its fetcher (src/consumer/fetcher.js) sends one Fetch for every assigned
// partition, hands the batches to the workers, and sends the next Fetch only once *every* batch of the
// round is done: a partition whose batch committed in 8 ms waits for the slowest of the four (a Kafka
// transaction that hit CONCURRENT_TRANSACTIONS, a Postgres transaction behind a checkpoint) before
// its next records are even asked for. At 2k events/s that barrier is most of the exactly-once p50
// and tail (docs/benchmarks.md, ADR 0015).
//
// This module gives a consumer that asks for it a fetch manager without the barrier. A partition is
// *in flight* from the moment its batch is handed to a worker until the handler returns; the next
// Fetch leaves in-flight partitions out and asks for every other one, so each partition is fetched
// again as soon as its own batch is done (the Java consumer's model: a partition with records being
// processed is not fetched, the others are). What stays exactly as kafkajs does it:
// - the fetch itself (ConsumerGroup.fetch: positions, seeks, metadata, aborted-transaction filtering)
//   and the handler (Runner.handleBatch: eachBatch, heartbeats, offset resolution);
// - at most `concurrency` batches are handled at once (partitionsConsumedConcurrently);
// - a failure, of a fetch or of a handler, stops fetching, waits for every batch in flight to finish,
//   and is thrown from `start` after them, so the Runner's rebalance, rejoin and restart handling sees
//   what it saw before, with nothing in flight;
// - `stop` returns once every batch in flight is done (consumer.disconnect waits for eachBatch).
// A partition is never fetched while its batch is in flight, so a fetch always starts at the position
// the last batch resolved: records are delivered in order, once, as before.
//
// It is opt-in: the Runner of a consumer whose eachBatch was wrapped by `withPipelinedFetch` replaces
// its fetch manager when it starts; every other consumer in the process keeps kafkajs's. Like the
// other kafkajs patches (ADR 0006) it is confined to this file, and `installPipelinedFetch` fails
// loudly if the internals it relies on change.

import { kafkajsRequire } from './kafkajs-internals';

const PIPELINED_FETCH = Symbol.for('dedup.kafkajs.pipelinedFetch');
/** Where a consumer group keeps its InFlight (set by createPipelinedFetchManager). */
export const IN_FLIGHT = Symbol.for('dedup.kafkajs.inFlight');

export interface PipelinedFetchOptions {
  /** Batches handled at once (kafkajs's partitionsConsumedConcurrently). */
  readonly concurrency: number;
}

interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

interface Logger {
  namespace(name: string): Logger;
  info(message: string, extra?: Record<string, unknown>): void;
  debug(message: string, extra?: Record<string, unknown>): void;
}

/** The fields and methods of kafkajs's ConsumerGroup this module uses. */
export interface ConsumerGroupLike {
  getNodeIds(): number[];
  getActiveTopicPartitions(): Record<string, Set<number>>;
  filterPartitionsByNode(nodeId: number, topicPartitions: TopicPartitions[]): TopicPartitions[];
  [IN_FLIGHT]?: InFlight;
}

interface BatchLike {
  readonly topic: string;
  readonly partition: number;
}

/** The fetch manager's interface, as kafkajs's Runner calls it. */
export interface FetchManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  getFetchers(): readonly unknown[];
}

interface RunnerLike {
  readonly logger: Logger;
  readonly consumerGroup: ConsumerGroupLike;
  readonly eachBatch?: { [PIPELINED_FETCH]?: PipelinedFetchOptions };
  fetchManager: FetchManager;
  fetch(nodeId: number): Promise<BatchLike[]>;
  handleBatch(batch: BatchLike): Promise<void>;
}

/** Partitions whose batch is being handled, by topic; left out of every fetch until it is done. */
export class InFlight {
  private readonly byTopic = new Map<string, Set<number>>();
  private count = 0;

  add(topic: string, partition: number): boolean {
    let partitions = this.byTopic.get(topic);
    if (partitions === undefined) this.byTopic.set(topic, (partitions = new Set()));
    if (partitions.has(partition)) return false;
    partitions.add(partition);
    this.count++;
    return true;
  }

  delete(topic: string, partition: number): void {
    const partitions = this.byTopic.get(topic);
    if (partitions?.delete(partition) === true) this.count--;
  }

  has(topic: string, partition: number): boolean {
    return this.byTopic.get(topic)?.has(partition) === true;
  }

  get size(): number {
    return this.count;
  }

  /** `active` without the in-flight partitions (in place; kafkajs builds it afresh for every fetch). */
  subtractFrom(active: Record<string, Set<number>>): Record<string, Set<number>> {
    if (this.count === 0) return active;
    for (const [topic, partitions] of this.byTopic) {
      const set = active[topic];
      if (set !== undefined) for (const p of partitions) set.delete(p);
    }
    return active;
  }
}

/** Marks an eachBatch handler: the consumer that runs it fetches without kafkajs's round barrier. */
export function withPipelinedFetch<F extends (...args: never[]) => Promise<void>>(
  eachBatch: F,
  options: PipelinedFetchOptions,
): F {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new Error(`pipelined fetch: concurrency must be a positive integer, got ${options.concurrency}`);
  }
  Object.defineProperty(eachBatch, PIPELINED_FETCH, { value: options });
  return eachBatch;
}

/** At most `limit` of the functions run at once; the rest wait their turn, first come first served. */
function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next !== undefined) next();
      else running--;
    }
  };
}

interface FetcherOptions {
  readonly nodeId: number;
  readonly consumerGroup: ConsumerGroupLike;
  readonly inFlight: InFlight;
  /** Partition → the node whose fetcher handles it now (several brokers: a partition that moved). */
  readonly partitionAssignments: Map<string, number>;
  readonly fetch: (nodeId: number) => Promise<BatchLike[]>;
  readonly handle: (batch: BatchLike) => Promise<void>;
  readonly logger: Logger;
}

/** One broker's fetch loop: fetch what is not in flight, hand each batch on, fetch again. */
export function createPipelinedFetcher(options: FetcherOptions): {
  start(): Promise<void>;
  stop(): Promise<void>;
} {
  const { nodeId, consumerGroup, inFlight, partitionAssignments, fetch, handle, logger } = options;
  let running = false;
  let ended: Promise<void> = Promise.resolve();

  /** Whether this node has any partition to fetch now (assigned, not paused, not in flight). */
  const hasFetchable = (): boolean => {
    const active = consumerGroup.getActiveTopicPartitions();
    const list = Object.entries(active).map(([topic, set]) => ({ topic, partitions: [...set] }));
    return consumerGroup.filterPartitionsByNode(nodeId, list).some((t) => t.partitions.length > 0);
  };

  const loop = async (): Promise<void> => {
    const pending = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    try {
      while (running && failure === undefined) {
        if (pending.size > 0 && !hasFetchable()) {
          // Every partition of this node is being handled: fetch again when one of them is done.
          await Promise.race(pending);
          continue;
        }
        let batches: BatchLike[];
        try {
          batches = await fetch(nodeId);
        } catch (error) {
          failure = { error };
          break;
        }
        if (!running) break;
        for (const batch of batches) {
          const { topic, partition } = batch;
          const key = `${topic}|${partition}`;
          const owner = partitionAssignments.get(key);
          if (owner !== undefined && owner !== nodeId) {
            logger.info('Filtering out batch due to partition already being processed by another fetcher', {
              topic,
              partition,
              assignedFetcher: owner,
              fetcher: nodeId,
            });
            continue;
          }
          // Left out of the fetch request while in flight; a second batch of one partition in one
          // response is not something a broker sends, but it must never be handled beside the first.
          if (!inFlight.add(topic, partition)) continue;
          partitionAssignments.set(key, nodeId);
          const done: Promise<void> = handle(batch)
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => {
              inFlight.delete(topic, partition);
              partitionAssignments.delete(key);
              pending.delete(done);
            });
          pending.add(done);
        }
      }
    } finally {
      // The Runner rejoins, restarts or leaves only after this returns: nothing may still be in flight.
      while (pending.size > 0) await Promise.all([...pending]);
      running = false;
    }
    if (failure !== undefined) throw failure.error;
  };

  return {
    start: () => {
      if (running) return ended;
      running = true;
      ended = loop();
      return ended;
    },
    stop: async () => {
      running = false;
      await ended.catch(() => undefined);
    },
  };
}

interface FetchManagerOptions {
  readonly logger: Logger;
  readonly consumerGroup: ConsumerGroupLike;
  readonly fetch: (nodeId: number) => Promise<BatchLike[]>;
  readonly handler: (batch: BatchLike) => Promise<void>;
  readonly concurrency: number;
  /** kafkajs's errors (KafkaJSNoBrokerAvailableError, KafkaJSFetcherRebalanceError). */
  readonly errors: {
    readonly KafkaJSNoBrokerAvailableError: new () => Error;
    readonly KafkaJSFetcherRebalanceError: new () => Error;
  };
}

/** kafkajs's createFetchManager (src/consumer/fetchManager.js) with the pipelined fetcher. */
export function createPipelinedFetchManager(options: FetchManagerOptions): FetchManager {
  const { consumerGroup, fetch, handler, concurrency, errors } = options;
  const logger = options.logger.namespace('PipelinedFetchManager');
  const inFlight = new InFlight();
  consumerGroup[IN_FLIGHT] = inFlight;
  const limit = limiter(concurrency);
  const handle = (batch: BatchLike) => limit(() => handler(batch));
  let fetchers: ReturnType<typeof createPipelinedFetcher>[] = [];

  const createFetchers = () => {
    const nodeIds = consumerGroup.getNodeIds();
    if (nodeIds.length === 0) throw new errors.KafkaJSNoBrokerAvailableError();
    const partitionAssignments = new Map<string, number>();
    const validateShouldRebalance = () => {
      const current = consumerGroup.getNodeIds();
      const changed = nodeIds.length !== current.length || nodeIds.some((id) => !current.includes(id));
      if (changed && current.length !== 0) throw new errors.KafkaJSFetcherRebalanceError();
    };
    return nodeIds.map((nodeId) =>
      createPipelinedFetcher({
        nodeId,
        consumerGroup,
        inFlight,
        partitionAssignments,
        fetch: async (id) => {
          validateShouldRebalance();
          return fetch(id);
        },
        handle,
        logger,
      }),
    );
  };

  const stop = async () => {
    await Promise.all(fetchers.map((f) => f.stop()));
  };

  return {
    start: async () => {
      for (;;) {
        fetchers = createFetchers();
        try {
          await Promise.all(fetchers.map((f) => f.start()));
        } catch (error) {
          await stop();
          if (error instanceof errors.KafkaJSFetcherRebalanceError) {
            logger.debug('Rebalancing fetchers...');
            continue;
          }
          throw error;
        }
        return;
      }
    },
    stop,
    getFetchers: () => fetchers,
  };
}

let installed = false;
/** The fetch managers this module made (a Runner whose manager is one of them keeps it). */
const ours = new WeakSet<FetchManager>();

/**
 * Patches kafkajs's Runner (process-wide, idempotent): a Runner whose eachBatch carries
 * `withPipelinedFetch` options uses createPipelinedFetchManager; every other Runner is untouched.
 * ConsumerGroup.getActiveTopicPartitions, which only ConsumerGroup.fetch calls, leaves in-flight
 * partitions out (for consumer groups without a pipelined fetch manager the set is absent).
 */
export function installPipelinedFetch(): void {
  if (installed) return;
  const Runner = kafkajsRequire('./src/consumer/runner.js') as { prototype: Record<string, unknown> };
  const ConsumerGroup = kafkajsRequire('./src/consumer/consumerGroup.js') as {
    prototype: Record<string, unknown>;
  };
  const errors = kafkajsRequire('./src/errors.js') as FetchManagerOptions['errors'];
  const start = Runner.prototype['start'];
  const active = ConsumerGroup.prototype['getActiveTopicPartitions'];
  const groupFetch = ConsumerGroup.prototype['fetch'];
  const fetchSource = typeof groupFetch === 'function' ? groupFetch.toString() : '';
  if (
    typeof start !== 'function' ||
    !start.toString().includes('scheduleFetchManager') ||
    typeof Runner.prototype['fetch'] !== 'function' ||
    typeof Runner.prototype['handleBatch'] !== 'function' ||
    typeof active !== 'function' ||
    typeof ConsumerGroup.prototype['filterPartitionsByNode'] !== 'function' ||
    !fetchSource.includes('this.getActiveTopicPartitions()') ||
    !fetchSource.includes('activeTopicPartitions[topic].has(partition)') ||
    typeof errors.KafkaJSFetcherRebalanceError !== 'function' ||
    typeof errors.KafkaJSNoBrokerAvailableError !== 'function'
  ) {
    throw new Error(
      'kafkajs internals changed: the Runner and ConsumerGroup kafkajs-pipelined-fetch.ts patches are not there',
    );
  }
  ConsumerGroup.prototype['getActiveTopicPartitions'] = function (this: ConsumerGroupLike) {
    const result = (active as () => Record<string, Set<number>>).call(this);
    return this[IN_FLIGHT]?.subtractFrom(result) ?? result;
  };
  Runner.prototype['start'] = function (this: RunnerLike) {
    const pipelined = this.eachBatch?.[PIPELINED_FETCH];
    if (pipelined !== undefined && !ours.has(this.fetchManager)) {
      this.fetchManager = createPipelinedFetchManager({
        logger: this.logger,
        consumerGroup: this.consumerGroup,
        fetch: (nodeId) => this.fetch(nodeId),
        handler: (batch) => this.handleBatch(batch),
        concurrency: pipelined.concurrency,
        errors,
      });
      ours.add(this.fetchManager);
    }
    return (start as () => Promise<void>).call(this);
  };
  installed = true;
}
