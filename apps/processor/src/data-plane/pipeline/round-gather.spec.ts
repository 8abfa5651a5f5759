import { RoundGather } from './round-gather';

interface Item {
  readonly topic: string;
  readonly partition: number;
}

/** A gather whose rounds are recorded and finish when the test says so. */
function harness(waitMs: number, maxRecords = Infinity) {
  let notPast = 0;
  const rounds: { items: readonly Item[]; finish: (error?: Error) => void }[] = [];
  const gather = new RoundGather<Item, string>(
    () => notPast,
    waitMs,
    (items) =>
      new Promise((resolve, reject) => {
        rounds.push({
          items,
          finish: (error) => (error ? reject(error) : resolve(items.map((i) => `${i.topic}/${i.partition}`))),
        });
      }),
    maxRecords,
    (item) => item.partition, // the test's size of a batch: its partition number
  );
  return {
    gather,
    rounds,
    setNotPast: (n: number) => {
      notPast = n;
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('RoundGather', () => {
  afterEach(() => jest.useRealTimers());

  it('starts a round once every batch in flight has joined, and answers each its own result', async () => {
    const h = harness(50);
    h.setNotPast(3);
    const a = h.gather.join({ topic: 't', partition: 0 });
    const b = h.gather.join({ topic: 't', partition: 1 });
    await flush();
    expect(h.rounds).toHaveLength(0);
    const c = h.gather.join({ topic: 't', partition: 2 });
    await flush();
    expect(h.rounds.map((r) => r.items.map((i) => i.partition))).toEqual([[0, 1, 2]]);
    h.rounds[0]?.finish();
    await expect(Promise.all([a, b, c])).resolves.toEqual(['t/0', 't/1', 't/2']);
  });

  it('starts when a batch it waits for moves on without joining (check), or after waitMs', () => {
    jest.useFakeTimers();
    const h = harness(50);
    h.setNotPast(2);
    void h.gather.join({ topic: 't', partition: 0 });
    expect(h.rounds).toHaveLength(0);
    h.setNotPast(1); // the other batch had nothing to decide
    h.gather.check();
    expect(h.rounds).toHaveLength(1);

    // Partition 0's round still runs; partition 1 joins and one more batch is expected.
    h.setNotPast(3);
    void h.gather.join({ topic: 't', partition: 1 });
    expect(h.rounds).toHaveLength(1);
    jest.advanceTimersByTime(49);
    expect(h.rounds).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(h.rounds).toHaveLength(2);
  });

  it('with waitMs 0, starts at once', () => {
    const h = harness(0);
    h.setNotPast(4);
    void h.gather.join({ topic: 't', partition: 0 });
    expect(h.rounds).toHaveLength(1);
  });

  it("gives each topic a round of its own, and a partition's next batch waits for its round", async () => {
    const h = harness(0);
    h.setNotPast(0);
    const first = h.gather.join({ topic: 't', partition: 0 });
    expect(h.rounds).toHaveLength(1);
    // The same partition again while its round runs (a safety net: kafkajs does not do this).
    const again = h.gather.join({ topic: 't', partition: 0 });
    const other = h.gather.join({ topic: 'u', partition: 0 });
    expect(h.rounds.map((r) => r.items)).toEqual([
      [{ topic: 't', partition: 0 }],
      [{ topic: 'u', partition: 0 }],
    ]);
    h.rounds[0]?.finish();
    await expect(first).resolves.toBe('t/0');
    await flush();
    expect(h.rounds).toHaveLength(3);
    h.rounds[1]?.finish();
    h.rounds[2]?.finish();
    await expect(Promise.all([again, other])).resolves.toEqual(['t/0', 'u/0']);
  });

  it("rejects every batch of a failed round with the round's error", async () => {
    const h = harness(50);
    h.setNotPast(2);
    const a = h.gather.join({ topic: 't', partition: 0 });
    const b = h.gather.join({ topic: 't', partition: 1 });
    expect(h.rounds).toHaveLength(1);
    h.rounds[0]?.finish(new Error('poison'));
    await expect(a).rejects.toThrow('poison');
    await expect(b).rejects.toThrow('poison');
  });

  it('splits a round into transactions of at most maxRecords, a larger batch alone, side by side', () => {
    const h = harness(50, 10);
    h.setNotPast(5);
    for (const partition of [3, 4, 12, 2, 9]) void h.gather.join({ topic: 't', partition });
    expect(h.rounds.map((r) => r.items.map((i) => i.partition))).toEqual([[3, 4], [12], [2], [9]]);
  });

  it('does not wait for the batches already in a running round', async () => {
    const h = harness(50);
    h.setNotPast(2);
    const a = h.gather.join({ topic: 't', partition: 0 });
    const b = h.gather.join({ topic: 't', partition: 1 });
    expect(h.rounds).toHaveLength(1);
    // Both are in the running round; a third batch arrives (notPast counts all three).
    h.setNotPast(3);
    void h.gather.join({ topic: 't', partition: 2 });
    expect(h.rounds).toHaveLength(2);
    h.rounds[0]?.finish();
    await expect(Promise.all([a, b])).resolves.toEqual(['t/0', 't/1']);
  });
});
