import fc from 'fast-check';
import { pipelineSemanticsSchema, type KeyStrategy, type PipelineSemantics } from '@dedup/contracts';
import { BLOOM_BLOCK_BYTES } from '../bloom/blocked-bloom-filter';
import type { ParsedRecord } from '../parse-record';
import {
  approximateLayout,
  lastExpiredGeneration,
  type ApproximateLayout,
  type BloomStripe,
} from './approximate';
import { isStateExpired } from './dedup-window';
import { decideEventBatch } from './decide-event-batch';
import type { EngineDecision, KeyState } from './engine-decision';
import { DedupReferenceModel } from './reference-model';
import { planStateReads, StateCache, statesToRemember } from './state-cache';
import {
  advanceWatermark,
  computeWatermark,
  EMPTY_WATERMARK_SNAPSHOT,
  type WatermarkSnapshot,
} from './watermark';

/**
 * Property tests: the engine against the reference model (reference-model.ts) on generated streams.
 *
 * A failure prints `{ seed, path }`; reproduce it with `FC_SEED=<seed> FC_PATH=<path>` (and
 * `-t '<property name>'`). FC_NUM_RUNS scales the number of runs (e.g. 100000 for a soak).
 */
const NUM_RUNS = {
  model: 4000,
  watermark: 3000,
  idle: 3000,
  batchSplit: 3000,
  cache: 1500,
  cacheShared: 1500,
  approximate: 1000,
};

function params(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env['FC_SEED'];
  const path = process.env['FC_PATH'];
  const scale = process.env['FC_NUM_RUNS'];
  return {
    numRuns: scale === undefined ? numRuns : Number(scale),
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}

// --- generated streams ---------------------------------------------------------------------------

/** Records that arrived together: one partition, one wall-clock time (one or more engine batches). */
interface Arrival {
  readonly partition: number;
  readonly now: number;
  readonly records: readonly ParsedRecord[];
}

interface Scenario {
  readonly semantics: PipelineSemantics;
  readonly arrivals: readonly Arrival[];
  /** Batch sizes, used cyclically to cut each arrival into engine batches. */
  readonly batchSizes: readonly number[];
}

const STRATEGIES: Record<'id' | 'order' | 'body', KeyStrategy> = {
  id: { name: 'event_id', kind: 'event_id' },
  order: { name: 'order', kind: 'fields', fields: ['event_type', 'payload.order'] },
  body: { name: 'body', kind: 'content_hash', fields: ['payload.body', 'payload.order'] },
};

const semanticsArb: fc.Arbitrary<PipelineSemantics> = fc
  .record({
    window: fc.oneof(
      fc.record({ kind: fc.constant('sliding' as const), sizeMs: fc.integer({ min: 1, max: 80 }) }),
      fc.record({ kind: fc.constant('tumbling' as const), sizeMs: fc.integer({ min: 1, max: 80 }) }),
      fc.record({ kind: fc.constant('session' as const), gapMs: fc.integer({ min: 1, max: 40 }) }),
    ),
    keys: fc.constantFrom(
      [STRATEGIES.id],
      [STRATEGIES.order],
      [STRATEGIES.body],
      [STRATEGIES.id, STRATEGIES.order],
      [STRATEGIES.order, STRATEGIES.id],
      [STRATEGIES.id, STRATEGIES.body],
      [STRATEGIES.body, STRATEGIES.order],
    ),
    maxOutOfOrdernessMs: fc.integer({ min: 0, max: 20 }),
    allowedLatenessMs: fc.integer({ min: 0, max: 30 }),
    idleTimeoutMs: fc.integer({ min: 0, max: 40 }),
  })
  .map((config) => pipelineSemanticsSchema.parse(config));

/** An event relative to its partition's clock: few ids and values, so keys collide often. */
const eventArb = fc.record({
  poison: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
  // Now and then a replayed DLQ record: never late, and it moves no watermark (docs/adr/0009).
  replay: fc.integer({ min: 0, max: 11 }).map((n) => n === 0),
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
  type: fc.constantFrom('t1', 't2'),
  order: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined, freq: 8 }),
  body: fc.option(fc.constantFrom('x', 'y', { k: 1, j: [2] }, { j: [2], k: 1 }), { nil: undefined, freq: 3 }),
  // Mostly a little behind the clock (out of order), sometimes far behind (late).
  dt: fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: -15, max: 5 }) },
    { weight: 1, arbitrary: fc.integer({ min: -120, max: -16 }) },
  ),
});

const stepArb = fc.record({
  partition: fc.nat({ max: 3 }),
  // Wall-clock steps: mostly small, sometimes longer than any idle timeout.
  wallAdvance: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 10 }) },
    { weight: 1, arbitrary: fc.integer({ min: 30, max: 90 }) },
  ),
  clockAdvance: fc.integer({ min: 0, max: 12 }),
  events: fc.array(eventArb, { minLength: 1, maxLength: 6 }),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    semantics: semanticsArb,
    partitions: fc.integer({ min: 1, max: 4 }),
    // Partition clocks differ, so the slowest active partition holds the watermark back.
    skews: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 4, maxLength: 4 }),
    steps: fc.array(stepArb, { minLength: 1, maxLength: 14 }),
    batchSizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
  })
  .map(({ semantics, partitions, skews, steps, batchSizes }) => {
    let clock = 1000;
    let now = 50_000;
    const offsets = new Map<number, number>();
    const arrivals = steps.map((step): Arrival => {
      const partition = step.partition % partitions;
      clock += step.clockAdvance;
      now += step.wallAdvance;
      const records = step.events.map((e): ParsedRecord => {
        const offset = offsets.get(partition) ?? 0;
        offsets.set(partition, offset + 1);
        const coords = { topic: 'raw', partition, offset: String(offset) };
        if (e.poison) return { kind: 'invalid', coords, errorType: 'invalid_json', reason: 'not JSON' };
        const payload: Record<string, unknown> = {};
        if (e.order !== undefined) payload['order'] = e.order;
        if (e.body !== undefined) payload['body'] = e.body;
        return {
          kind: 'valid',
          coords,
          ...(e.replay ? { replay: true as const } : {}),
          event: {
            event_id: e.id,
            event_type: e.type,
            event_time: Math.max(0, clock + (skews[partition] ?? 0) + e.dt),
            payload,
            schema_version: 1,
          },
        };
      });
      return { partition, now, records };
    });
    return { semantics, arrivals, batchSizes };
  });

// --- running the engine and the model ------------------------------------------------------------

/** The engine's view after one batch. */
interface BatchView {
  /** Records decided so far (this batch included). */
  readonly decided: number;
  /** Every state the processor would keep (after pruning, if on). */
  readonly states: ReadonlyMap<string, KeyState>;
  readonly changed: ReadonlyMap<string, KeyState>;
  readonly watermark: number | null;
  /** The batch's input watermarks, wall-clock time, decisions and start watermark. */
  readonly before: WatermarkSnapshot;
  readonly now: number;
  readonly batchDecisions: readonly EngineDecision[];
  readonly watermarkAtStart: number | null;
}

interface EngineRun {
  readonly decisions: EngineDecision[];
  /** Pipeline watermark after each batch. */
  readonly watermarks: (number | null)[];
}

/**
 * Feeds the engine batch by batch as the processor does: state and watermarks carried over, and,
 * with `prune`, expired state deleted between batches. `onBatch` sees the engine's view after each.
 */
function runEngine(
  scenario: Scenario,
  options: {
    readonly prune: boolean;
    readonly batchSizes?: readonly number[];
    readonly onBatch?: (view: BatchView) => void;
  },
): EngineRun {
  const { semantics } = scenario;
  const sizes = options.batchSizes ?? scenario.batchSizes;
  const states = new Map<string, KeyState>();
  let watermarks: WatermarkSnapshot = EMPTY_WATERMARK_SNAPSHOT;
  const decisions: EngineDecision[] = [];
  const trace: (number | null)[] = [];
  let cut = 0;
  for (const arrival of scenario.arrivals) {
    for (let from = 0; from < arrival.records.length;) {
      const size = sizes[cut++ % sizes.length] ?? 1;
      const before = watermarks;
      const out = decideEventBatch({
        records: arrival.records.slice(from, from + size),
        partition: arrival.partition,
        states,
        watermarks,
        now: arrival.now,
        semantics,
      });
      from += size;
      decisions.push(...out.decisions);
      for (const [key, state] of out.changedStates) states.set(key, state);
      watermarks = out.watermarks;
      trace.push(watermarks.pipelineWatermark);
      if (options.prune) {
        for (const [key, state] of states) {
          if (isStateExpired(state, watermarks.pipelineWatermark, semantics)) states.delete(key);
        }
      }
      options.onBatch?.({
        decided: decisions.length,
        states,
        changed: out.changedStates,
        watermark: watermarks.pipelineWatermark,
        before,
        now: arrival.now,
        batchDecisions: out.decisions,
        watermarkAtStart: out.watermarkAtStart,
      });
    }
  }
  return { decisions, watermarks: trace };
}

function runModel(scenario: Scenario): { model: DedupReferenceModel; decisions: EngineDecision[] } {
  const model = new DedupReferenceModel(scenario.semantics);
  const decisions = scenario.arrivals.flatMap((a) =>
    a.records.map((r) => model.decide(r, a.partition, a.now)),
  );
  return { model, decisions };
}

/**
 * Feeds the engine as the processor does with the state cache (apps/processor BatchDecider): per
 * batch, `planStateReads` decides which keys are locked; only those keys' states are handed over from
 * "Postgres" (`truth`), plus what the cache answered; after the "commit" the cache learns what the
 * batch locked and wrote. Partition `p` belongs to processor `p % processors`, each with its own cache
 * (the others' writes make it stale). `events` drives cache upkeep: eviction of expired entries and
 * clearing (a rebalance) at some batches.
 */
function runEngineWithCache(
  scenario: Scenario,
  options: {
    readonly capacity: number;
    readonly processors: number;
    readonly upkeep: readonly ('none' | 'expire' | 'clear')[];
  },
): { decisions: EngineDecision[]; hits: number } {
  const { semantics } = scenario;
  const truth = new Map<string, KeyState>();
  const caches = Array.from({ length: options.processors }, () => new StateCache(options.capacity));
  const progress = new Map<number, bigint>();
  let watermarks: WatermarkSnapshot = EMPTY_WATERMARK_SNAPSHOT;
  const decisions: EngineDecision[] = [];
  let hits = 0;
  let cut = 0;
  for (const arrival of scenario.arrivals) {
    const cache = caches[arrival.partition % options.processors];
    if (cache === undefined) throw new Error('no cache');
    for (let from = 0; from < arrival.records.length;) {
      const size = scenario.batchSizes[cut % scenario.batchSizes.length] ?? 1;
      const upkeep = options.upkeep[cut % options.upkeep.length] ?? 'none';
      cut += 1;
      const records = arrival.records.slice(from, from + size);
      from += size;
      const plan = planStateReads({
        records,
        semantics,
        cache,
        progress: progress.get(arrival.partition) ?? null,
      });
      hits += plan.hits;
      const locked = new Map<string, KeyState>();
      for (const key of plan.lockKeys) {
        const state = truth.get(key);
        if (state !== undefined) locked.set(key, state);
      }
      const states = new Map([...locked, ...plan.cached]);
      const out = decideEventBatch({
        records,
        partition: arrival.partition,
        states,
        watermarks,
        now: arrival.now,
        semantics,
      });
      for (const key of out.changedStates.keys()) expect(plan.cached.has(key)).toBe(false);
      decisions.push(...out.decisions);
      for (const [key, state] of out.changedStates) truth.set(key, state);
      watermarks = out.watermarks;
      const last = records.at(-1);
      if (last !== undefined) progress.set(arrival.partition, BigInt(last.coords.offset));
      cache.remember(
        statesToRemember({
          locked,
          changed: out.changedStates,
          semantics,
          watermark: watermarks.pipelineWatermark,
        }),
      );
      // The expiry sweep deletes from "Postgres" between batches.
      for (const [key, state] of truth) {
        if (isStateExpired(state, watermarks.pipelineWatermark, semantics)) truth.delete(key);
      }
      const wm = watermarks.pipelineWatermark;
      if (upkeep === 'expire' && wm !== null) cache.forgetExpired(wm - semantics.allowedLatenessMs);
      if (upkeep === 'clear') cache.clear();
    }
  }
  return { decisions, hits };
}

/**
 * Feeds the engine in approximate mode, batch by batch, with the stripes kept between batches as
 * Postgres keeps them, and (with `prune`) expired generations dropped between batches as the sweep does.
 */
function runApproximateEngine(
  scenario: Scenario,
  layout: ApproximateLayout,
  options: { readonly prune: boolean },
): EngineDecision[] {
  const { semantics } = scenario;
  const stripes = new Map<number, BloomStripe>();
  let watermarks: WatermarkSnapshot = EMPTY_WATERMARK_SNAPSHOT;
  const decisions: EngineDecision[] = [];
  let cut = 0;
  for (const arrival of scenario.arrivals) {
    for (let from = 0; from < arrival.records.length;) {
      const size = scenario.batchSizes[cut++ % scenario.batchSizes.length] ?? 1;
      const out = decideEventBatch({
        records: arrival.records.slice(from, from + size),
        partition: arrival.partition,
        states: new Map(),
        watermarks,
        now: arrival.now,
        semantics,
        bloom: { layout, stripes },
      });
      from += size;
      decisions.push(...out.decisions);
      for (const [block, stripe] of out.changedStripes) stripes.set(block, stripe);
      watermarks = out.watermarks;
      const wm = watermarks.pipelineWatermark;
      if (options.prune && wm !== null) {
        const last = lastExpiredGeneration(wm - semantics.allowedLatenessMs, layout);
        for (const [block, stripe] of stripes) stripes.set(block, dropGenerations(stripe, last));
      }
    }
  }
  return decisions;
}

/** What the sweep does to a stored stripe: removes the blocks of generations up to `last`. */
function dropGenerations(stripe: BloomStripe, last: number): BloomStripe {
  const keep = stripe.generations.flatMap((g, i) => (g > last ? [i] : []));
  if (keep.length === stripe.generations.length) return stripe;
  const bits = new Uint8Array(keep.length * BLOOM_BLOCK_BYTES);
  keep.forEach((i, j) =>
    bits.set(stripe.bits.subarray(i * BLOOM_BLOCK_BYTES, (i + 1) * BLOOM_BLOCK_BYTES), j * BLOOM_BLOCK_BYTES),
  );
  return { block: stripe.block, generations: keep.map((i) => stripe.generations[i] ?? NaN), bits };
}

/** A decision without who it names as first occurrence: what approximate mode can say. */
function outcomeOf(d: EngineDecision): unknown {
  switch (d.outcome) {
    case 'unique':
      return { outcome: d.outcome, coords: d.coords, stateKeys: d.stateKeys };
    case 'duplicate':
      return { outcome: d.outcome, coords: d.coords, strategy: d.strategy, stateKey: d.stateKey };
    case 'late':
      return { outcome: d.outcome, coords: d.coords, watermark: d.watermark, latenessMs: d.latenessMs };
    case 'invalid':
      return { outcome: d.outcome, coords: d.coords, errorType: d.errorType, reason: d.reason };
    case 'failed':
      return { outcome: d.outcome, coords: d.coords };
  }
}

const upkeepArb = fc.array(
  fc.constantFrom('none' as const, 'none' as const, 'expire' as const, 'clear' as const),
  {
    minLength: 1,
    maxLength: 6,
  },
);

// --- properties ----------------------------------------------------------------------------------

describe('decideEventBatch (properties)', () => {
  it('decides exactly as the reference model, while expired state is pruned between batches', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        // The model decides record by record, kept in step with the engine's batches so that state
        // and watermark can be compared after every batch too.
        const expected: EngineDecision[] = [];
        const stepModel = new DedupReferenceModel(scenario.semantics);
        const fed = scenario.arrivals.flatMap((a) => a.records.map((r) => ({ r, a })));
        let fedCount = 0;
        let kept: ReadonlyMap<string, KeyState> = new Map();
        const engine = runEngine(scenario, {
          prune: true,
          onBatch: ({ decided, states, changed, watermark }) => {
            for (; fedCount < decided; fedCount += 1) {
              const next = fed[fedCount];
              if (next !== undefined) expected.push(stepModel.decide(next.r, next.a.partition, next.a.now));
            }
            expect(watermark).toBe(stepModel.pipelineWatermark());
            for (const [key, state] of changed) expect(state).toEqual(stepModel.stateOf(key));
            kept = states;
          },
        });
        expect(expected).toHaveLength(fed.length);
        expect(engine.decisions).toEqual(expected);
        // Whatever the engine kept (not pruned) is exactly what the model knows of that key.
        for (const [key, state] of kept) expect(state).toEqual(stepModel.stateOf(key));
      }),
      params(NUM_RUNS.model),
    );
  });

  it('never moves the watermark backwards, and never lets a record through below it', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { decisions, watermarks } = runEngine(scenario, { prune: true });
        const defined = watermarks.filter((w): w is number => w !== null);
        // Once there is a watermark it stays, and it only grows.
        expect(watermarks.slice(watermarks.length - defined.length).every((w) => w !== null)).toBe(true);
        for (let i = 1; i < defined.length; i += 1)
          expect(defined[i]).toBeGreaterThanOrEqual(defined[i - 1] ?? 0);
        let lastLateWatermark = -Infinity;
        for (const d of decisions) {
          if (d.outcome !== 'late') continue;
          expect(d.watermark).toBeGreaterThanOrEqual(lastLateWatermark);
          expect(d.latenessMs).toBeGreaterThan(scenario.semantics.allowedLatenessMs);
          expect(d.latenessMs).toBe(d.watermark - d.record.event.event_time);
          lastLateWatermark = d.watermark;
        }
      }),
      params(NUM_RUNS.watermark),
    );
  });

  it('judges every record by a watermark in which the partitions idle at its batch time hold nothing back', () => {
    let lateAfterIdle = 0;
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { allowedLatenessMs } = scenario.semantics;
        runEngine(scenario, {
          prune: true,
          onBatch: ({ before, now, batchDecisions, watermarkAtStart }) => {
            // Computed here from the batch's input, not by the engine's tracker.
            const atNow = computeWatermark(before.partitions, now, scenario.semantics);
            expect(watermarkAtStart).toBe(advanceWatermark(before.pipelineWatermark, atNow));
            if (watermarkAtStart === null) return;
            for (const d of batchDecisions) {
              if (d.outcome === 'late') {
                expect(d.watermark).toBeGreaterThanOrEqual(watermarkAtStart);
                const t = d.record.event.event_time;
                const stored = before.pipelineWatermark ?? -Infinity;
                if (t >= stored - allowedLatenessMs && t < watermarkAtStart - allowedLatenessMs) {
                  lateAfterIdle += 1;
                }
              } else if ((d.outcome === 'unique' || d.outcome === 'duplicate') && d.record.replay !== true) {
                // (A replayed DLQ record is never late: it is windowed at the watermark.)
                expect(d.record.event.event_time).toBeGreaterThanOrEqual(
                  watermarkAtStart - allowedLatenessMs,
                );
              }
            }
          },
        });
      }),
      params(NUM_RUNS.idle),
    );
    // Guards the test: some records were late only because a partition had gone idle by their batch
    // (the stored watermark would have let them through).
    expect(lateAfterIdle).toBeGreaterThan(0);
  });

  it('decides the same stream identically whatever the batch split (and with or without pruning)', () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 5 }),
        (scenario, otherSizes) => {
          const one = runEngine(scenario, { prune: true });
          const other = runEngine(scenario, { prune: false, batchSizes: otherSizes });
          expect(other.decisions).toEqual(one.decisions);
        },
      ),
      params(NUM_RUNS.batchSplit),
    );
  });

  it('decides identically with the state cache in front of "Postgres" (one processor, any capacity)', () => {
    let runs = 0;
    let cacheHits = 0;
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 12 }), upkeepArb, (scenario, capacity, upkeep) => {
        const plain = runEngine(scenario, { prune: true });
        const cached = runEngineWithCache(scenario, { capacity, processors: 1, upkeep });
        runs += 1;
        cacheHits += cached.hits;
        // Identical, first occurrence included: within one processor the cache is written through.
        expect(cached.decisions).toEqual(plain.decisions);
      }),
      params(NUM_RUNS.cache),
    );
    // Guards the test: the cache really answered records (without locking their keys).
    expect(cacheHits).toBeGreaterThan(runs);
  });

  it('keeps outcomes identical when processors with their own caches share "Postgres"', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 1, max: 12 }), upkeepArb, (scenario, capacity, upkeep) => {
        const plain = runEngine(scenario, { prune: true });
        const cached = runEngineWithCache(scenario, { capacity, processors: 2, upkeep });
        expect(cached.decisions.map(outcomeOf)).toEqual(plain.decisions.map(outcomeOf));
        // A cache made stale by the other processor may name an earlier claim of the key, but only
        // a real one (a unique decided before) whose scope contains the copy.
        cached.decisions.forEach((d, i) => {
          if (d.outcome !== 'duplicate' || d.first === null) return;
          const expected = plain.decisions[i];
          if (expected?.outcome === 'duplicate' && expected.first?.origin === d.first.origin) return;
          expect(d.record.event.event_time).toBeLessThan(d.first.expiresAt);
          const claimer = plain.decisions
            .slice(0, i)
            .find((u) => u.outcome === 'unique' && u.coords === d.first?.origin);
          expect(claimer?.outcome === 'unique' ? claimer.stateKeys : []).toContain(d.stateKey);
        });
      }),
      params(NUM_RUNS.cacheShared),
    );
  });

  it('approximate mode decides as the model with generation-rounded scopes (no hash collisions)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (exact, prune) => {
        const semantics = pipelineSemanticsSchema.parse({
          ...exact.semantics,
          approximate: { falsePositiveRate: 0.01, expectedKeysPerSecond: 1000 },
        });
        const sized = approximateLayout(semantics);
        if (sized === null) throw new Error('approximate layout expected');
        // Far more blocks than keys: a collision (a false positive) would take ~1e-15 per lookup.
        const layout = { ...sized, blocks: 2 ** 16, hashes: 8 };
        const scenario = { ...exact, semantics };
        const decisions = runApproximateEngine(scenario, layout, { prune });
        const model = runModel(scenario).decisions;
        expect(decisions.map(outcomeOf)).toEqual(model.map(outcomeOf));
        for (const d of decisions) {
          if (d.outcome === 'unique' || d.outcome === 'duplicate') expect(d.approximate).toBeDefined();
          if (d.outcome === 'duplicate') expect(d.first).toBeNull();
        }
      }),
      params(NUM_RUNS.approximate),
    );
  });

  it('generates streams that exercise every outcome and rule (guards the generator)', () => {
    const counts = new Map<string, number>();
    const bump = (what: string) => counts.set(what, (counts.get(what) ?? 0) + 1);
    for (const scenario of fc.sample(scenarioArb, { numRuns: 400, seed: 42 })) {
      for (const d of runModel(scenario).decisions) {
        bump(d.outcome === 'invalid' ? `invalid:${d.errorType}` : d.outcome);
        if (d.outcome === 'duplicate') bump(`duplicate:${scenario.semantics.window.kind}:${d.strategy}`);
      }
    }
    const total = [...counts.entries()]
      .filter(([k]) => !k.startsWith('duplicate:'))
      .reduce((sum, [, n]) => sum + n, 0);
    const share = (what: string) => (counts.get(what) ?? 0) / total;
    expect(share('unique')).toBeGreaterThan(0.2);
    expect(share('duplicate')).toBeGreaterThan(0.1);
    expect(share('late')).toBeGreaterThan(0.03);
    expect(share('invalid:missing_key_field')).toBeGreaterThan(0.01);
    expect(share('invalid:invalid_json')).toBeGreaterThan(0.01);
    for (const window of ['sliding', 'tumbling', 'session']) {
      for (const strategy of ['event_id', 'order', 'body']) {
        expect(counts.get(`duplicate:${window}:${strategy}`) ?? 0).toBeGreaterThan(10);
      }
    }
  });
});
