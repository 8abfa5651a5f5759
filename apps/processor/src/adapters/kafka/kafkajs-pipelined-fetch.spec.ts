import { kafkajsRequire } from './kafkajs-internals';
import {
  IN_FLIGHT,
  InFlight,
  createPipelinedFetchManager,
  installPipelinedFetch,
  type ConsumerGroupLike,
} from './kafkajs-pipelined-fetch';

// Unit tier: a fake consumer group and handler stand in for kafkajs's, to pin the fetch loop's rules.
// The real broker is in kafka.adapter.int.test.ts and the system tests (the chaos suite above all).

class RebalanceError extends Error {}
class NoBrokerError extends Error {}
const errors = { KafkaJSFetcherRebalanceError: RebalanceError, KafkaJSNoBrokerAvailableError: NoBrokerError };

const silent = {
  namespace: () => silent,
  info: () => undefined,
  debug: () => undefined,
};

interface Deferred {
  resolve(): void;
  reject(error: Error): void;
  promise: Promise<void>;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { resolve, reject, promise };
}

const tick = () => new Promise((r) => setImmediate(r));

/**
 * One topic, `partitions` partitions on node 1. Each fetch records the partitions it asked for (those
 * getActiveTopicPartitions still returns) and returns a batch for each of them.
 */
function harness(partitions: number, concurrency = partitions) {
  const fetches: number[][] = [];
  const handled: Deferred[][] = Array.from({ length: partitions }, () => []);
  const paused = new Set<number>();
  const group: ConsumerGroupLike = {
    getNodeIds: () => [1],
    getActiveTopicPartitions() {
      const set = new Set<number>();
      for (let p = 0; p < partitions; p++) if (!paused.has(p)) set.add(p);
      return { t: set };
    },
    filterPartitionsByNode: (_node, tps) => tps,
  };
  // What installPipelinedFetch does to ConsumerGroup.getActiveTopicPartitions.
  const active = group.getActiveTopicPartitions.bind(group);
  group.getActiveTopicPartitions = () => {
    const result = active();
    return group[IN_FLIGHT]?.subtractFrom(result) ?? result;
  };
  let fetchGate: Promise<void> = Promise.resolve();
  let fetchError: Error | undefined;
  const fetch = async () => {
    await fetchGate;
    await tick();
    if (fetchError !== undefined) throw fetchError;
    const asked = [...(group.getActiveTopicPartitions()['t'] ?? [])];
    fetches.push(asked);
    return asked.map((partition) => ({ topic: 't', partition }));
  };
  let inHandler = 0;
  let maxInHandler = 0;
  const handler = async (batch: { partition: number }) => {
    const d = deferred();
    handled[batch.partition]!.push(d);
    inHandler++;
    maxInHandler = Math.max(maxInHandler, inHandler);
    try {
      await d.promise;
    } finally {
      inHandler--;
    }
  };
  const manager = createPipelinedFetchManager({
    logger: silent,
    consumerGroup: group,
    fetch,
    handler,
    concurrency,
    errors,
  });
  return {
    manager,
    fetches,
    handled,
    paused,
    maxInHandler: () => maxInHandler,
    holdFetches(gate: Promise<void>) {
      fetchGate = gate;
    },
    failFetches(error: Error) {
      fetchError = error;
    },
    last: (p: number) => handled[p]!.at(-1)!,
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await tick();
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('pipelined fetch (kafkajs fetch loop without the round barrier)', () => {
  it('fetches a partition again as soon as its own batch is done, while the others are in flight', async () => {
    const h = harness(3);
    const started = h.manager.start();
    await until(() => h.handled.every((list) => list.length === 1), 'first round');
    expect(h.fetches).toEqual([[0, 1, 2]]);
    // All three in flight: no fetch goes out (kafkajs's loop would not fetch either).
    await tick();
    expect(h.fetches).toHaveLength(1);
    h.last(1).resolve();
    await until(() => h.handled[1]!.length === 2, 'partition 1 fetched again');
    // Partition 1 alone was asked for: 0 and 2 are still being handled.
    expect(h.fetches[1]).toEqual([1]);
    expect(h.handled[0]).toHaveLength(1);
    h.last(0).resolve();
    await until(() => h.handled[0]!.length === 2, 'partition 0 fetched again');
    expect(h.fetches.at(-1)).toEqual([0]);
    const stopped = h.manager.stop();
    for (const list of h.handled) for (const d of list) d.resolve();
    await stopped;
    await started;
  });

  it('never hands on two batches of one partition at once, and keeps at most `concurrency` in the handler', async () => {
    const h = harness(4, 2);
    const started = h.manager.start();
    await until(() => h.handled.filter((l) => l.length > 0).length === 2, 'two handled');
    await tick();
    expect(h.maxInHandler()).toBe(2);
    // Four were fetched; two wait for the limiter, still in flight: the next fetches leave all four out.
    expect(h.fetches).toEqual([[0, 1, 2, 3]]);
    for (let round = 0; round < 6; round++) {
      const busy = h.handled.findIndex((l) => l.length > 0 && l.at(-1) !== undefined);
      h.last(busy).resolve();
      await tick();
      await tick();
    }
    expect(h.maxInHandler()).toBe(2);
    for (const fetch of h.fetches) expect(new Set(fetch).size).toBe(fetch.length);
    const stopped = h.manager.stop();
    for (let i = 0; i < 50; i++) {
      for (const list of h.handled) for (const d of list) d.resolve();
      await tick();
    }
    await stopped;
    await started;
  });

  it('stop() returns only once every batch in flight is done', async () => {
    const h = harness(2);
    const started = h.manager.start();
    await until(() => h.handled.every((l) => l.length === 1), 'first round');
    let stopped = false;
    const stopping = h.manager.stop().then(() => (stopped = true));
    await tick();
    h.last(0).resolve();
    await tick();
    expect(stopped).toBe(false);
    h.last(1).resolve();
    await stopping;
    expect(stopped).toBe(true);
    await started;
  });

  it('a failed batch stops fetching, lets the others finish, then fails start() with its error', async () => {
    const h = harness(3);
    const started = h.manager.start();
    let settled = false;
    started.catch(() => undefined).finally(() => (settled = true));
    await until(() => h.handled.every((l) => l.length === 1), 'first round');
    h.last(0).reject(new Error('fenced'));
    h.last(1).resolve();
    await tick();
    await tick();
    expect(settled).toBe(false); // partition 2 is still being handled
    expect(h.fetches).toHaveLength(1); // and nothing was fetched after the failure
    h.last(2).resolve();
    await expect(started).rejects.toThrow('fenced');
  });

  it('a failed fetch waits for the batches in flight before it is thrown (the Runner rejoins after)', async () => {
    const h = harness(2);
    const started = h.manager.start();
    let settled = false;
    started.catch(() => undefined).finally(() => (settled = true));
    await until(() => h.handled.every((l) => l.length === 1), 'first round');
    h.failFetches(new Error('REBALANCE_IN_PROGRESS'));
    h.last(0).resolve(); // partition 0 is fetchable again: that fetch fails
    await tick();
    await tick();
    await tick();
    expect(settled).toBe(false);
    h.last(1).resolve();
    await expect(started).rejects.toThrow('REBALANCE_IN_PROGRESS');
  });

  it('leaves paused partitions out and fetches the rest', async () => {
    const h = harness(3);
    h.paused.add(1);
    const started = h.manager.start();
    await until(() => h.fetches.length === 1, 'first fetch');
    expect(h.fetches[0]).toEqual([0, 2]);
    const stopped = h.manager.stop();
    for (const list of h.handled) for (const d of list) d.resolve();
    await stopped;
    await started;
  });
});

describe('InFlight', () => {
  it('subtracts its partitions from an active set, topic by topic', () => {
    const f = new InFlight();
    expect(f.add('a', 1)).toBe(true);
    expect(f.add('a', 1)).toBe(false);
    f.add('b', 0);
    expect(f.size).toBe(2);
    expect(f.subtractFrom({ a: new Set([0, 1, 2]), b: new Set([0]), c: new Set([5]) })).toEqual({
      a: new Set([0, 2]),
      b: new Set(),
      c: new Set([5]),
    });
    f.delete('a', 1);
    f.delete('a', 1);
    expect(f.size).toBe(1);
    expect(f.has('b', 0)).toBe(true);
  });
});

describe('installPipelinedFetch', () => {
  it('patches the kafkajs it finds, and only Runners whose eachBatch asked for it', () => {
    type Proto = { prototype: Record<string, unknown> };
    const Runner = kafkajsRequire('./src/consumer/runner.js') as Proto;
    const ConsumerGroup = kafkajsRequire('./src/consumer/consumerGroup.js') as Proto;
    const start = Runner.prototype['start'];
    const fetch = Runner.prototype['fetch'];
    const active = ConsumerGroup.prototype['getActiveTopicPartitions'];
    installPipelinedFetch();
    const patched = Runner.prototype['start'];
    installPipelinedFetch(); // idempotent: not wrapped twice
    expect(patched).not.toBe(start);
    expect(Runner.prototype['start']).toBe(patched);
    expect(Runner.prototype['fetch']).toBe(fetch);
    expect(ConsumerGroup.prototype['getActiveTopicPartitions']).not.toBe(active);
  });
});
