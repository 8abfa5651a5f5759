import {
  BackfillRequestError,
  RateLimiter,
  partitionProgress,
  planPartitions,
  summarize,
  type PartitionOffsets,
} from './backfill-plan';

const log: PartitionOffsets[] = [
  { partition: 1, low: 10n, high: 50n },
  { partition: 0, low: 0n, high: 100n },
];

describe('planPartitions', () => {
  it('covers the whole log of every partition for a time range without bounds', () => {
    expect(planPartitions({ kind: 'time' }, log)).toEqual([
      { partition: 0, start: 0n, end: 100n },
      { partition: 1, start: 10n, end: 50n },
    ]);
  });

  it('uses the offsets Kafka resolved for the time bounds, kept inside the log', () => {
    const plan = planPartitions(
      { kind: 'time', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' },
      log,
      {
        atFrom: new Map([
          [0, 20n],
          [1, 5n],
        ]),
        atTo: new Map([
          [0, 60n],
          [1, 999n],
        ]),
      },
    );
    expect(plan).toEqual([
      { partition: 0, start: 20n, end: 60n },
      { partition: 1, start: 10n, end: 50n },
    ]);
  });

  it('plans an empty range, never a negative one, when the to bound resolves below the from bound', () => {
    const plan = planPartitions({ kind: 'time', from: '2026-12-01T00:00:00Z' }, log, {
      atFrom: new Map([[0, 80n]]),
      atTo: new Map([[0, 30n]]),
    });
    expect(plan[0]).toEqual({ partition: 0, start: 80n, end: 80n });
  });

  it('rejects a time range whose from is not before its to', () => {
    expect(() =>
      planPartitions({ kind: 'time', from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, log),
    ).toThrow(
      new BackfillRequestError(
        'range.from (2026-12-02T00:00:00Z) must be before range.to (2026-12-01T00:00:00Z)',
      ),
    );
  });

  it('takes an offset range as given, starting no lower than the log start', () => {
    expect(
      planPartitions(
        {
          kind: 'offsets',
          partitions: [
            { partition: 1, start: '0', end: '20' },
            { partition: 0, start: '5', end: '5' },
          ],
        },
        log,
      ),
    ).toEqual([
      { partition: 0, start: 5n, end: 5n },
      { partition: 1, start: 10n, end: 20n },
    ]);
  });

  it.each([
    [{ partition: 7, start: '0', end: '1' }, 'partition 7 does not exist (the topic has partitions 0, 1)'],
    [{ partition: 0, start: '9', end: '3' }, 'partition 0: start 9 is after end 3'],
    [
      { partition: 0, start: '0', end: '101' },
      'partition 0: end 101 is past the end of the log (100); a backfill covers records that exist',
    ],
  ])('rejects %j with a message that says what is wrong', (partition, message) => {
    expect(() => planPartitions({ kind: 'offsets', partitions: [partition] }, log)).toThrow(
      new BackfillRequestError(message),
    );
  });

  it('rejects a partition listed twice', () => {
    const p = { partition: 0, start: '0', end: '1' };
    expect(() => planPartitions({ kind: 'offsets', partitions: [p, p] }, log)).toThrow(
      'partition 0 is listed twice',
    );
  });
});

describe('partitionProgress and summarize', () => {
  const p = { partition: 3, start: 100n, end: 200n };

  it('starts at the range start before the first batch', () => {
    expect(partitionProgress(p, null)).toEqual({
      partition: 3,
      startOffset: '100',
      endOffset: '200',
      nextOffset: '100',
      totalRecords: 100,
      processedRecords: 0,
      done: false,
    });
  });

  it('counts up to the last processed offset and is done at the end of the range', () => {
    expect(partitionProgress(p, 149n)).toMatchObject({
      nextOffset: '150',
      processedRecords: 50,
      done: false,
    });
    expect(partitionProgress(p, 199n)).toMatchObject({
      nextOffset: '200',
      processedRecords: 100,
      done: true,
    });
    // A namespace's progress never points past the range, but a report must not exceed 100 % if it did.
    expect(partitionProgress(p, 500n)).toMatchObject({
      nextOffset: '200',
      processedRecords: 100,
      done: true,
    });
  });

  it('sums partitions; an empty range is complete; the ETA follows the rate', () => {
    const parts = [partitionProgress(p, 149n), partitionProgress({ partition: 4, start: 0n, end: 0n }, null)];
    expect(summarize(parts, 10)).toEqual({
      totalRecords: 100,
      processedRecords: 50,
      progress: 0.5,
      done: false,
      etaSeconds: 5,
    });
    expect(summarize(parts, null).etaSeconds).toBeNull();
    expect(summarize([], 10)).toMatchObject({ progress: 1, done: true });
  });
});

describe('RateLimiter', () => {
  it('lets a second of the rate through at once, then paces batches to the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(100, () => now);
    expect(limiter.reserve(100)).toBe(0);
    expect(limiter.reserve(50)).toBe(500);
    now = 500;
    expect(limiter.reserve(50)).toBe(500);
    now = 10_000;
    // Idle time banks at most one second of tokens.
    expect(limiter.reserve(100)).toBe(0);
    expect(limiter.reserve(1)).toBe(10);
  });

  it('holds the average to the rate over many small batches', () => {
    let now = 0;
    const limiter = new RateLimiter(1_000, () => now);
    let processed = 0;
    while (now < 10_000) {
      now += limiter.reserve(37);
      processed += 37;
    }
    // One second's burst plus ten seconds at the rate, within one batch.
    expect(processed).toBeGreaterThanOrEqual(11_000 - 37);
    expect(processed).toBeLessThanOrEqual(11_000 + 37);
  });
});
