import { pipelineSemanticsSchema, type PipelineSemanticsInput } from '@dedup/contracts';
import { BLOOM_BLOCK_BYTES, bloomProbe } from '../bloom/blocked-bloom-filter';
import {
  approximateLayout,
  estimatedLookupFalsePositiveRate,
  generationCovers,
  generationOf,
  generationScopeEnd,
  lastExpiredGeneration,
  stripeMatch,
  stripeWithKey,
} from './approximate';

const layoutOf = (config: PipelineSemanticsInput) => {
  const layout = approximateLayout(
    pipelineSemanticsSchema.parse({
      maxOutOfOrdernessMs: 5_000,
      allowedLatenessMs: 60_000,
      approximate: { falsePositiveRate: 0.001, expectedKeysPerSecond: 1_000 },
      ...config,
    }),
  );
  if (layout === null) throw new Error('expected a layout');
  return layout;
};

describe('approximate mode: generations', () => {
  it('is off without `approximate`', () => {
    expect(approximateLayout(pipelineSemanticsSchema.parse({}))).toBeNull();
  });

  it('uses the bucket as the generation of a tumbling window, checked alone', () => {
    const layout = layoutOf({ window: { kind: 'tumbling', sizeMs: 60_000 } });
    expect(layout).toMatchObject({ generationMs: 60_000, scopeMs: 0, ownGenerationOnly: true });
    expect(layout.generationsPerLookup).toBe(1);
    expect(generationOf(119_999, layout)).toBe(1);
    expect(generationCovers(1, 60_000, layout)).toBe(true);
    expect(generationCovers(1, 119_999, layout)).toBe(true);
    expect(generationCovers(1, 59_999, layout)).toBe(false); // another bucket, another state
    expect(generationCovers(1, 120_000, layout)).toBe(false);
    expect(generationScopeEnd(1, layout)).toBe(120_000);
  });

  it('cuts a sliding window into quarters; a generation stays in scope a window past its end', () => {
    const layout = layoutOf({ window: { kind: 'sliding', sizeMs: 3_600_000 } });
    expect(layout).toMatchObject({ generationMs: 900_000, scopeMs: 3_600_000, ownGenerationOnly: false });
    // A key claimed at 12:05 (generation 12:00–12:15) is remembered until 13:15: at least the window
    // (13:05), at most a quarter more.
    const claim = Date.UTC(2026, 0, 1, 12, 5);
    const g = generationOf(claim, layout);
    expect(generationScopeEnd(g, layout)).toBe(Date.UTC(2026, 0, 1, 13, 15));
    expect(generationCovers(g, Date.UTC(2026, 0, 1, 13, 14, 59), layout)).toBe(true);
    expect(generationCovers(g, Date.UTC(2026, 0, 1, 13, 15), layout)).toBe(false);
    // Scope has no lower bound (as in exact mode): an earlier copy is in scope too.
    expect(generationCovers(g, Date.UTC(2026, 0, 1, 11, 0), layout)).toBe(true);
    // (1 h + 60 s lateness + 5 s out-of-orderness) / 15 min, rounded up, + 1.
    expect(layout.generationsPerLookup).toBe(6);
    expect(layout.filterFalsePositiveRate).toBeCloseTo(0.001 / 6);
    expect(layout.keysPerGeneration).toBe(900_000);
    expect(layout.id).toBe(`bloom1-sliding-g900000-s3600000-b${layout.blocks}-k${layout.hashes}`);
  });

  it('cuts a session gap into quarters', () => {
    const layout = layoutOf({
      window: { kind: 'session', gapMs: 10 },
      keys: [{ name: 'a', kind: 'event_id' }],
    });
    expect(layout).toMatchObject({ generationMs: 3, scopeMs: 10 });
  });

  it('sizes for every key strategy and every generation a lookup checks', () => {
    const one = layoutOf({ keys: [{ name: 'a', kind: 'event_id' }] });
    const two = layoutOf({
      keys: [
        { name: 'a', kind: 'event_id' },
        { name: 'b', kind: 'fields', fields: ['payload.x'] },
      ],
    });
    expect(two.filterFalsePositiveRate).toBeCloseTo(one.filterFalsePositiveRate / 2);
    expect(two.blocks).toBeGreaterThan(one.blocks);
    expect(() =>
      layoutOf({ approximate: { falsePositiveRate: 0.000001, expectedKeysPerSecond: 10_000_000 } }),
    ).toThrow(/needs more than/);
  });

  it('expires a generation exactly when no record that is not late can reach it', () => {
    const layout = layoutOf({ window: { kind: 'sliding', sizeMs: 100 } }); // G = 25
    for (let horizon = -200; horizon < 400; horizon += 1) {
      const last = lastExpiredGeneration(horizon, layout);
      // Every record that is not late has t >= horizon: out of scope of `last`, in scope of `last + 1`.
      expect(generationCovers(last, horizon, layout)).toBe(false);
      expect(generationCovers(last + 1, horizon, layout)).toBe(true);
    }
  });
});

describe('approximate mode: stripes', () => {
  const probe = (key: string) => bloomProbe(key, 1, 4);

  it('adds a key to a generation, keeping generations in order, copy on write', () => {
    const a = probe('a');
    const one = stripeWithKey(undefined, 0, 7, a);
    expect(one.generations).toEqual([7]);
    expect(one.bits).toHaveLength(BLOOM_BLOCK_BYTES);
    expect(stripeWithKey(one, 0, 7, a)).toBe(one); // nothing new: the same object
    const two = stripeWithKey(one, 0, 5, a);
    const three = stripeWithKey(two, 0, 9, probe('b'));
    expect(three.generations).toEqual([5, 7, 9]);
    expect(three.bits).toHaveLength(3 * BLOOM_BLOCK_BYTES);
    expect(one.generations).toEqual([7]); // the inputs are untouched
    expect(two.generations).toEqual([5, 7]);
    // Each generation's block moved with it.
    expect([...three.bits.subarray(BLOOM_BLOCK_BYTES, 2 * BLOOM_BLOCK_BYTES)]).toEqual([...one.bits]);
    expect(() => stripeWithKey(one, 1, 7, a)).toThrow(/probe of block 0, stripe 1/);
  });

  it('matches the oldest covering generation that holds the key', () => {
    const layout = { generationMs: 10, scopeMs: 20, ownGenerationOnly: false };
    const a = probe('event_id:a');
    let stripe = stripeWithKey(undefined, 0, 1, a); // in scope while t < 40
    stripe = stripeWithKey(stripe, 0, 3, a); // while t < 60
    expect(stripeMatch(stripe, a, 0, layout)).toBe(1);
    expect(stripeMatch(stripe, a, 39, layout)).toBe(1);
    expect(stripeMatch(stripe, a, 40, layout)).toBe(3);
    expect(stripeMatch(stripe, a, 60, layout)).toBeUndefined();
    expect(stripeMatch(stripe, probe('event_id:b'), 0, layout)).toBeUndefined();
    expect(stripeMatch(undefined, a, 0, layout)).toBeUndefined();
  });

  it('combines per-generation rates into the rate of one lookup', () => {
    const layout = { generationMs: 10, scopeMs: 20, ownGenerationOnly: false };
    const rates = new Map([
      [1, 0.01], // covers t < 40
      [3, 0.02], // covers t < 60
    ]);
    expect(estimatedLookupFalsePositiveRate(rates, 45, 1, layout)).toBeCloseTo(0.02);
    expect(estimatedLookupFalsePositiveRate(rates, 30, 1, layout)).toBeCloseTo(1 - 0.99 * 0.98);
    expect(estimatedLookupFalsePositiveRate(rates, 30, 2, layout)).toBeCloseTo(1 - (0.99 * 0.98) ** 2);
    expect(estimatedLookupFalsePositiveRate(rates, 60, 1, layout)).toBe(0);
    // A nearly empty filter's rate survives the arithmetic (1 - 1e-21 is 1 in floating point).
    expect(estimatedLookupFalsePositiveRate(new Map([[1, 1e-21]]), 0, 2, layout)).toBeCloseTo(2e-21, 30);
    expect(estimatedLookupFalsePositiveRate(new Map([[1, 1]]), 0, 1, layout)).toBe(1);
  });
});
