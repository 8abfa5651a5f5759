import type { DedupWindow, PipelineSemantics } from '@dedup/contracts';
import {
  BLOOM_BLOCK_BYTES,
  blockAdd,
  blockHas,
  bloomProbe,
  sizeBloomFilter,
  type BloomProbe,
} from '../bloom/blocked-bloom-filter';

/**
 * Approximate mode (docs/semantics.md, "Approximate mode"; docs/adr/0005): instead of one exact state
 * per key, each **generation** (a fixed slice of event time) has a blocked Bloom filter of the state
 * keys claimed in it. A key claimed at event time `t` goes into generation `floor(t / G)`, and that
 * generation stays in scope for records with event time `< (g + 1) * G + scopeMs`:
 *
 * | window     | G (generation)        | scopeMs | a key is remembered after its claim for |
 * | ---------- | --------------------- | ------- | ---------------------------------------- |
 * | `tumbling` | `sizeMs` (the bucket) | 0       | the rest of its bucket (exact)           |
 * | `sliding`  | `ceil(sizeMs / 4)`    | `sizeMs`| at least `sizeMs`, less than `sizeMs + G`|
 * | `session`  | `ceil(gapMs / 4)`     | `gapMs` | as sliding, counted from its latest copy |
 *
 * So the rules are the exact rules with each claim's expiry rounded up to its generation's end, and
 * with a false positive now and then when all of a key's bits happen to be set.
 */

/** Generations per sliding window or session gap: the scope is stretched by at most a quarter. */
export const GENERATIONS_PER_WINDOW = 4;

/** How the filters of a pipeline are laid out; derived from its semantics once, at boot. */
export interface ApproximateLayout {
  /**
   * Names the layout. Stored filters of another layout (another window, rate or target) are never
   * read: their generations and bit positions mean something else.
   */
  readonly id: string;
  /** Event-time ms per generation (G). */
  readonly generationMs: number;
  /** How long after its generation's end a generation stays in scope (event-time ms). */
  readonly scopeMs: number;
  /** True for tumbling windows: a record looks only at its own bucket's generation. */
  readonly ownGenerationOnly: boolean;
  /** Blocks of each generation's filter, and bits set per key. */
  readonly blocks: number;
  readonly hashes: number;
  /** The configured false-positive rate: per record, over all its keys and the generations it checks. */
  readonly targetFalsePositiveRate: number;
  /** Most generations one key lookup checks, assumed when sizing (at least 1). */
  readonly generationsPerLookup: number;
  /** The rate each generation's filter is sized for: target / (strategies x generations per lookup). */
  readonly filterFalsePositiveRate: number;
  /** Keys each generation's filter is sized for: expectedKeysPerSecond x G. */
  readonly keysPerGeneration: number;
  readonly bytesPerGeneration: number;
}

/** The layout of the semantics' approximate mode, or null when detection is exact. */
export function approximateLayout(semantics: PipelineSemantics): ApproximateLayout | null {
  const approximate = semantics.approximate;
  if (approximate === undefined) return null;
  const { generationMs, scopeMs } = generationTiming(semantics.window);
  const ownGenerationOnly = semantics.window.kind === 'tumbling';
  // A record that is not late has t >= watermark - allowedLateness, and the newest generation is
  // about maxOutOfOrderness ahead of the watermark (on the slowest partition; a partition far ahead
  // of the others makes more, and the estimated-rate metric shows it): it checks every generation g
  // with (g + 1) * G + scopeMs > t, which is at most this many.
  const generationsPerLookup = ownGenerationOnly
    ? 1
    : Math.ceil((scopeMs + semantics.allowedLatenessMs + semantics.maxOutOfOrdernessMs) / generationMs) + 1;
  const filterFalsePositiveRate =
    approximate.falsePositiveRate / (semantics.keys.length * generationsPerLookup);
  const keysPerGeneration = Math.max(1, Math.ceil((approximate.expectedKeysPerSecond * generationMs) / 1000));
  const sizing = sizeBloomFilter(keysPerGeneration, filterFalsePositiveRate);
  return {
    id: [
      'bloom1',
      semantics.window.kind,
      `g${generationMs}`,
      `s${scopeMs}`,
      `b${sizing.blocks}`,
      `k${sizing.hashes}`,
    ].join('-'),
    generationMs,
    scopeMs,
    ownGenerationOnly,
    blocks: sizing.blocks,
    hashes: sizing.hashes,
    targetFalsePositiveRate: approximate.falsePositiveRate,
    generationsPerLookup,
    filterFalsePositiveRate,
    keysPerGeneration,
    bytesPerGeneration: sizing.blocks * BLOOM_BLOCK_BYTES,
  };
}

function generationTiming(window: DedupWindow): { generationMs: number; scopeMs: number } {
  switch (window.kind) {
    case 'tumbling':
      return { generationMs: window.sizeMs, scopeMs: 0 };
    case 'sliding':
      return { generationMs: Math.ceil(window.sizeMs / GENERATIONS_PER_WINDOW), scopeMs: window.sizeMs };
    case 'session':
      return { generationMs: Math.ceil(window.gapMs / GENERATIONS_PER_WINDOW), scopeMs: window.gapMs };
  }
}

/** The generation a key claimed (or, for sessions, extended) at event time `t` goes into. */
export function generationOf(eventTime: number, layout: Pick<ApproximateLayout, 'generationMs'>): number {
  return Math.floor(eventTime / layout.generationMs);
}

/** Records with event time below this (exclusive) are in the scope of generation `g`'s keys. */
export function generationScopeEnd(
  generation: number,
  layout: Pick<ApproximateLayout, 'generationMs' | 'scopeMs'>,
): number {
  return (generation + 1) * layout.generationMs + layout.scopeMs;
}

/** Whether a record at `eventTime` looks into generation `g` (it may hold an in-scope claim). */
export function generationCovers(
  generation: number,
  eventTime: number,
  layout: Pick<ApproximateLayout, 'generationMs' | 'scopeMs' | 'ownGenerationOnly'>,
): boolean {
  if (layout.ownGenerationOnly) return generation === generationOf(eventTime, layout);
  return eventTime < generationScopeEnd(generation, layout);
}

/**
 * The newest generation whose filter may be dropped once the expiry horizon (pipeline watermark minus
 * allowed lateness) is `horizon`: every record that is not late has `t >= horizon >= scope end`, so no
 * decision reads it again (the same argument as for exact state, docs/semantics.md "Expiry").
 */
export function lastExpiredGeneration(
  horizon: number,
  layout: Pick<ApproximateLayout, 'generationMs' | 'scopeMs'>,
): number {
  // (g + 1) * G + scopeMs <= horizon
  return Math.floor((horizon - layout.scopeMs) / layout.generationMs) - 1;
}

/**
 * One block of every live generation's filter: the unit the approximate mode locks and stores (one
 * Postgres row). Every key hashes to one block number, the same in every generation, so locking the
 * stripe locks that key in all generations at once: two transactions that could both accept a key
 * always meet on this row.
 */
export interface BloomStripe {
  readonly block: number;
  /** Generations that have bits in this block, ascending. */
  readonly generations: readonly number[];
  /** `BLOOM_BLOCK_BYTES` per generation, in the order of `generations`. */
  readonly bits: Uint8Array;
}

/** The oldest generation of the stripe that a record at `eventTime` checks and that holds the key. */
export function stripeMatch(
  stripe: BloomStripe | undefined,
  probe: BloomProbe,
  eventTime: number,
  layout: Pick<ApproximateLayout, 'generationMs' | 'scopeMs' | 'ownGenerationOnly'>,
): number | undefined {
  if (stripe === undefined) return undefined;
  for (let i = 0; i < stripe.generations.length; i += 1) {
    const generation = stripe.generations[i];
    if (generation === undefined || !generationCovers(generation, eventTime, layout)) continue;
    if (blockHas(stripe.bits, i * BLOOM_BLOCK_BYTES, probe)) return generation;
  }
  return undefined;
}

/**
 * The stripe with the probe's bits set in `generation` (added, in order, if the stripe has no block
 * of it yet). Copy on write: returns `stripe` itself when every bit was set already.
 */
export function stripeWithKey(
  stripe: BloomStripe | undefined,
  block: number,
  generation: number,
  probe: BloomProbe,
): BloomStripe {
  if (probe.block !== block) throw new Error(`stripeWithKey: probe of block ${probe.block}, stripe ${block}`);
  const generations = stripe?.generations ?? [];
  const index = generations.indexOf(generation);
  if (stripe !== undefined && index >= 0 && blockHas(stripe.bits, index * BLOOM_BLOCK_BYTES, probe)) {
    return stripe;
  }
  if (index >= 0 && stripe !== undefined) {
    const bits = stripe.bits.slice();
    blockAdd(bits, index * BLOOM_BLOCK_BYTES, probe);
    return { block, generations, bits };
  }
  const at = generations.findIndex((g) => g > generation);
  const insertAt = at < 0 ? generations.length : at;
  const bits = new Uint8Array((generations.length + 1) * BLOOM_BLOCK_BYTES);
  const old = stripe?.bits ?? new Uint8Array(0);
  bits.set(old.subarray(0, insertAt * BLOOM_BLOCK_BYTES), 0);
  bits.set(old.subarray(insertAt * BLOOM_BLOCK_BYTES), (insertAt + 1) * BLOOM_BLOCK_BYTES);
  blockAdd(bits, insertAt * BLOOM_BLOCK_BYTES, probe);
  return {
    block,
    generations: [...generations.slice(0, insertAt), generation, ...generations.slice(insertAt)],
    bits,
  };
}

/** Hashes a state key into the layout's filters. */
export function layoutProbe(
  stateKey: string,
  layout: Pick<ApproximateLayout, 'blocks' | 'hashes'>,
): BloomProbe {
  return bloomProbe(stateKey, layout.blocks, layout.hashes);
}

/**
 * The estimated probability that a record at event time `eventTime` that is not a duplicate is
 * called one: it checks each of its `strategies` keys in every generation that covers it, and each
 * check is a false positive with the generation's estimated rate (from its bits, see
 * `estimatedFalsePositiveRate`). This is the achieved counterpart of `targetFalsePositiveRate`.
 */
export function estimatedLookupFalsePositiveRate(
  perGeneration: ReadonlyMap<number, number>,
  eventTime: number,
  strategies: number,
  layout: Pick<ApproximateLayout, 'generationMs' | 'scopeMs' | 'ownGenerationOnly'>,
): number {
  // 1 - prod (1 - rate)^strategies, in logarithms: a young filter's rate (1e-20, say) would vanish
  // in 1 - rate, and the metric would read 0.
  let logMiss = 0;
  for (const [generation, rate] of perGeneration) {
    if (generationCovers(generation, eventTime, layout))
      logMiss += strategies * Math.log1p(-Math.min(rate, 1));
  }
  return logMiss === 0 ? 0 : -Math.expm1(logMiss);
}
