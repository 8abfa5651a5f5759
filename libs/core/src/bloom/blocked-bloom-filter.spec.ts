import {
  BLOOM_BLOCK_BITS,
  BLOOM_MAX_BLOCKS,
  BlockedBloomFilter,
  blockAdd,
  blockHas,
  blockPopCount,
  blockedFalsePositiveRate,
  bloomProbe,
  estimatedFalsePositiveRate,
  sizeBloomFilter,
} from './blocked-bloom-filter';

describe('blocked Bloom filter', () => {
  // The acceptance test of the sizing: fill a filter with the keys it was sized for, then count how
  // many keys that were never added it claims to hold. The keys are fixed, so the counts are too.
  it.each([
    [0.01, 100_000],
    [0.001, 100_000],
  ])('measures a false-positive rate within 20 %% of %p on %p keys', (rate, n) => {
    const filter = BlockedBloomFilter.forCapacity(n, rate);
    for (let i = 0; i < n; i += 1) filter.add(`event_id:member-${i}`);
    // No false negatives, ever.
    let missing = 0;
    for (let i = 0; i < n; i += 1) if (!filter.mightContain(`event_id:member-${i}`)) missing += 1;
    expect(missing).toBe(0);
    const probes = 200_000;
    let falsePositives = 0;
    for (let i = 0; i < probes; i += 1)
      if (filter.mightContain(`event_id:stranger-${i}`)) falsePositives += 1;
    const measured = falsePositives / probes;
    expect(measured).toBeGreaterThan(rate * 0.8);
    expect(measured).toBeLessThan(rate * 1.2);
    // The estimate from the bits actually set (what the metric reports) agrees with the measurement.
    expect(filter.estimatedFalsePositiveRate()).toBeGreaterThan(measured * 0.85);
    expect(filter.estimatedFalsePositiveRate()).toBeLessThan(measured * 1.15);
    // ~9.9 bits per key at 1 %, ~15.5 at 0.1 % (a classic filter needs 9.6 and 14.4).
    expect((filter.sizing.blocks * BLOOM_BLOCK_BITS) / n).toBeLessThan(rate === 0.01 ? 10.5 : 16.5);
  });

  it('reports a rising estimated rate when it holds more keys than it was sized for', () => {
    const filter = BlockedBloomFilter.forCapacity(1_000, 0.01);
    for (let i = 0; i < 1_000; i += 1) filter.add(`k${i}`);
    const atCapacity = filter.estimatedFalsePositiveRate();
    for (let i = 1_000; i < 3_000; i += 1) filter.add(`k${i}`);
    expect(atCapacity).toBeLessThan(0.012);
    expect(filter.estimatedFalsePositiveRate()).toBeGreaterThan(10 * atCapacity);
    expect(filter.fillRatio()).toBeGreaterThan(0.5);
  });

  it('sizes the smallest filter that meets the target', () => {
    for (const [n, rate] of [
      [1, 0.1],
      [10, 0.01],
      [5_000, 0.001],
      [1_000_000, 0.000001],
    ] as const) {
      const sizing = sizeBloomFilter(n, rate);
      expect(sizing.falsePositiveRate).toBeLessThanOrEqual(rate);
      expect(sizing.falsePositiveRate).toBe(blockedFalsePositiveRate(n / sizing.blocks, sizing.hashes));
      if (sizing.blocks > 1) {
        // One block less and no number of hashes meets it.
        for (let k = 1; k <= 49; k += 1) {
          expect(blockedFalsePositiveRate(n / (sizing.blocks - 1), k)).toBeGreaterThan(rate);
        }
      }
    }
    expect(() => sizeBloomFilter(1e9, 0.000001)).toThrow(/needs more than 4194304 blocks \(256 MiB\)/);
    expect(() => sizeBloomFilter(0, 0.01)).toThrow(/expectedKeys must be at least 1/);
    expect(() => sizeBloomFilter(10, 0)).toThrow(/falsePositiveRate must be in/);
  });

  it('is a pure function of the key: same probe every time, block and bits in range', () => {
    const a = bloomProbe('event_id:a', 1_000, 7);
    expect(bloomProbe('event_id:a', 1_000, 7)).toEqual(a);
    expect(a.positions).toHaveLength(7);
    const blocks = new Set<number>();
    let outOfRange = 0;
    for (let i = 0; i < 5_000; i += 1) {
      const p = bloomProbe(`key-${i}`, 1_000, 49);
      blocks.add(p.block);
      if (!Number.isInteger(p.block) || p.block < 0 || p.block >= 1_000) outOfRange += 1;
      outOfRange += p.positions.filter(
        (bit) => !Number.isInteger(bit) || bit < 0 || bit >= BLOOM_BLOCK_BITS,
      ).length;
    }
    expect(outOfRange).toBe(0);
    // 5,000 keys over 1,000 blocks: all but a handful used (hashing spreads keys).
    expect(blocks.size).toBeGreaterThan(990);
    expect(bloomProbe('x', BLOOM_MAX_BLOCKS, 1).block).toBeLessThan(BLOOM_MAX_BLOCKS);
    expect(() => bloomProbe('x', 0, 3)).toThrow(/blocks must be/);
    expect(() => bloomProbe('x', 10, 50)).toThrow(/hashes must be/);
  });

  it('sets and tests bits inside one block at a byte offset', () => {
    const bits = new Uint8Array(128);
    const probe = { block: 0, positions: [0, 7, 8, 511] };
    expect(blockHas(bits, 64, probe)).toBe(false);
    expect(blockAdd(bits, 64, probe)).toBe(true);
    expect(blockAdd(bits, 64, probe)).toBe(false);
    expect(blockHas(bits, 64, probe)).toBe(true);
    expect(blockHas(bits, 0, probe)).toBe(false);
    expect([...bits.subarray(64, 66)]).toEqual([0b1000_0001, 0b0000_0001]);
    expect(bits[127]).toBe(0b1000_0000);
    expect(blockPopCount(bits, 64)).toBe(4);
    expect(blockPopCount(bits, 0)).toBe(0);
  });

  it('estimates the rate of a whole filter from per-block fill', () => {
    expect(estimatedFalsePositiveRate([], 10, 3)).toBe(0);
    expect(estimatedFalsePositiveRate([512], 1, 3)).toBe(1);
    expect(estimatedFalsePositiveRate([256, 256], 4, 2)).toBeCloseTo((2 * 0.25) / 4);
  });
});
