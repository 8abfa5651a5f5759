import type { PipelineSemantics } from '@dedup/contracts';
import { formatCoordinates, sameCoordinates } from '../coordinates';
import type { BloomProbe } from '../bloom/blocked-bloom-filter';
import {
  effectiveEventTime,
  replayPastItsWindow,
  type ParsedRecord,
  type ValidRecord,
} from '../parse-record';
import {
  generationOf,
  layoutProbe,
  stripeMatch,
  stripeWithKey,
  type ApproximateLayout,
  type BloomStripe,
} from './approximate';
import {
  claimExpiry,
  expiryAfterDuplicate,
  isInScope,
  stateKeysOf,
  type StrategyStateKey,
} from './dedup-window';
import type { EngineDecision, KeyState } from './engine-decision';
import { WatermarkTracker, type WatermarkSnapshot } from './watermark';

export interface DecideBatchInput {
  /** The batch, in offset order, all from input partition `partition`. */
  readonly records: readonly ParsedRecord[];
  readonly partition: number;
  /**
   * The current state of (at least) every state key of the batch's valid records, as `stateKeysOf`
   * gives them; a key without an entry has no state. Expired states may be left out or included.
   */
  readonly states: ReadonlyMap<string, KeyState>;
  /** Progress of every partition of the input topic and the pipeline watermark, before the batch. */
  readonly watermarks: WatermarkSnapshot;
  /**
   * Wall-clock ms of this batch: `firstSeenAt` of new claims, the activity time of the partition, and
   * the time at which idleness is judged (the watermark is recomputed at `now` before the first record).
   */
  readonly now: number;
  readonly semantics: PipelineSemantics;
  /** Required in approximate mode (and only then); `states` is not read in that mode. */
  readonly bloom?: BloomInput;
}

/** The Bloom filters approximate mode decides with (docs/adr/0005). */
export interface BloomInput {
  readonly layout: ApproximateLayout;
  /**
   * The stripe of (at least) every block the batch's valid records' state keys hash to, as stored;
   * a block without an entry is empty in every generation.
   */
  readonly stripes: ReadonlyMap<number, BloomStripe>;
  /** Probes of (some of) the batch's state keys, when the caller hashed them already. */
  readonly probes?: ReadonlyMap<string, BloomProbe>;
}

export interface DecideBatchOutput {
  /** One decision per record, in input order. */
  readonly decisions: EngineDecision[];
  /** The final state of every state key the batch claimed, replaced or extended (upsert these). */
  readonly changedStates: ReadonlyMap<string, KeyState>;
  /** Approximate mode: the final version of every stripe the batch added bits to (upsert these). */
  readonly changedStripes: ReadonlyMap<number, BloomStripe>;
  /**
   * The watermark snapshot after the batch (all partitions, sorted by partition). Its pipeline
   * watermark includes the start-of-batch recomputation even when the batch observed no record (a
   * batch of late or invalid records only): persist it so later batches never judge by less.
   */
  readonly watermarks: WatermarkSnapshot;
  /**
   * The pipeline watermark the batch's first record was judged against: `input.watermarks`'
   * advanced (never backwards) for the partitions idle at `now`. At least the input's.
   */
  readonly watermarkAtStart: number | null;
}

/**
 * Decides a batch of one input partition, record by record in offset order, each record seeing the
 * state and watermark left by the previous one (docs/semantics.md states the rules):
 *
 * 1. invalid records, and records without a key (`missing_key_field`), are `invalid`;
 * 2. a record that already owns one of its state keys was decided `unique` before (a re-delivery
 *    after a crash between the Postgres and the Kafka commit): it is `unique` again and changes nothing;
 * 3. `event_time < watermark - allowedLateness` (the watermark before this record) is `late`:
 *    no state and no watermark change. A replayed DLQ record (`replay`) is never late; Before the first record, the watermark of `input.watermarks`
 *    is recomputed at `now` (never backwards), so partitions that have gone idle by then no longer
 *    hold it back;
 * 4. otherwise, if a state key is in scope (`event_time < expiresAt`), a `duplicate` of the first
 *    in-scope strategy's state; a session window extends every in-scope state it matched;
 * 5. otherwise `unique`, claiming every state key (replacing out-of-scope states);
 * 6. records of steps 4 and 5 advance their partition's progress and the pipeline watermark, but
 *    for replayed DLQ records, which leave watermarks and partition activity alone.
 *
 * In approximate mode (`semantics.approximate`), steps 2, 4 and 5 ask the Bloom filters of
 * `input.bloom` instead of per-key state: see `decideApproximate` below.
 *
 * Pure: inputs are not mutated, and the same input gives the same output.
 */
export function decideEventBatch(input: DecideBatchInput): DecideBatchOutput {
  const { semantics, now, bloom } = input;
  if (!Number.isFinite(now)) throw new Error(`decideEventBatch: now must be finite, got ${now}`);
  if ((semantics.approximate === undefined) !== (bloom === undefined)) {
    throw new Error('decideEventBatch: pass bloom filters exactly when the semantics are approximate');
  }
  const changed = new Map<string, KeyState>();
  const stateOf = (stateKey: string): KeyState | undefined =>
    changed.get(stateKey) ?? input.states.get(stateKey);
  const changedStripes = new Map<number, BloomStripe>();
  const stripeOf = (block: number): BloomStripe | undefined =>
    changedStripes.get(block) ?? bloom?.stripes.get(block);
  // Recomputes at `now` before any record is judged: idleness takes effect at the batch's start.
  const watermarks = new WatermarkTracker(input.watermarks, semantics, now);
  const decisions = input.records.map((record): EngineDecision => {
    if (record.coords.partition !== input.partition) {
      // The processor hands over one partition's batch; a mix-up here would corrupt watermarks.
      throw new Error(
        `decideEventBatch: record ${formatCoordinates(record.coords)} is not from partition ${input.partition}`,
      );
    }
    if (record.kind === 'invalid') {
      return {
        outcome: 'invalid',
        coords: record.coords,
        record,
        errorType: record.errorType,
        reason: record.reason,
      };
    }
    const keys = stateKeysOf(record.event, semantics);
    if (!Array.isArray(keys)) {
      const reason = `key field ${keys.missing} of key strategy '${keys.strategy}' is missing or null`;
      return {
        outcome: 'invalid',
        coords: record.coords,
        record: { kind: 'invalid', coords: record.coords, errorType: 'missing_key_field', reason },
        errorType: 'missing_key_field',
        reason,
        event: record.event,
      };
    }
    return decideValid(record, keys);
  });
  return {
    decisions,
    changedStates: changed,
    changedStripes,
    watermarks: watermarks.snapshot(),
    watermarkAtStart: watermarks.startWatermark,
  };

  function decideValid(record: ValidRecord, keys: readonly StrategyStateKey[]): EngineDecision {
    const stateKeys = keys.map((k) => k.stateKey);
    // Rule 2 needs to know who claimed a key, which only exact state records.
    if (bloom === undefined && keys.some((k) => isOwnedBy(stateOf(k.stateKey), record))) {
      return { outcome: 'unique', coords: record.coords, record, stateKeys };
    }
    const watermark = watermarks.pipelineWatermark;
    // A replayed DLQ record is never late (ValidRecord.replay): windowed at the horizon at the oldest.
    if (replayPastItsWindow(record, watermark, semantics)) {
      return {
        outcome: 'unique',
        coords: record.coords,
        record,
        stateKeys: [],
        ...(bloom === undefined
          ? {}
          : { approximate: { generation: generationOf(record.event.event_time, bloom.layout) } }),
      };
    }
    const t = effectiveEventTime(record, watermark, semantics);
    if (record.replay !== true && watermark !== null && t < watermark - semantics.allowedLatenessMs) {
      return { outcome: 'late', coords: record.coords, record, watermark, latenessMs: watermark - t };
    }
    if (bloom !== undefined) return decideApproximate(record, keys, bloom, t);
    let decision: EngineDecision | undefined;
    for (const { strategy, stateKey } of keys) {
      const state = stateOf(stateKey);
      if (state === undefined || !isInScope(state, t)) continue;
      decision ??= { outcome: 'duplicate', coords: record.coords, record, strategy, stateKey, first: state };
      const expiresAt = expiryAfterDuplicate(state, t, semantics.window);
      if (expiresAt !== state.expiresAt) changed.set(stateKey, { ...state, expiresAt });
    }
    if (decision === undefined) {
      // No key in scope: every existing state of these keys is out of scope and is replaced.
      const expiresAt = claimExpiry(t, semantics.window);
      for (const { strategy, stateKey } of keys) {
        changed.set(stateKey, {
          stateKey,
          strategy,
          origin: record.coords,
          eventId: record.event.event_id,
          firstEventTime: t,
          firstSeenAt: now,
          expiresAt,
        });
      }
      decision = { outcome: 'unique', coords: record.coords, record, stateKeys };
    }
    if (record.replay !== true) watermarks.observe(input.partition, t);
    return decision;
  }

  /**
   * Steps 4 and 5 with Bloom filters: a key is in scope when a generation that covers `t` (see
   * `generationCovers`) holds it. A duplicate names the first strategy that matched and the oldest
   * generation it matched in; in a session window every matched key is also added to `t`'s generation
   * (the session lives on from this copy, as exact state is extended). A unique record adds all its
   * keys to `t`'s generation. Sliding and tumbling duplicates change nothing, as in exact mode.
   */
  function decideApproximate(
    record: ValidRecord,
    keys: readonly StrategyStateKey[],
    { layout, probes }: BloomInput,
    t: number,
  ): EngineDecision {
    const generation = generationOf(t, layout);
    const probed = keys.map((k) => ({
      ...k,
      probe: probes?.get(k.stateKey) ?? layoutProbe(k.stateKey, layout),
    }));
    let decision: EngineDecision | undefined;
    const extend: typeof probed = [];
    for (const key of probed) {
      const matched = stripeMatch(stripeOf(key.probe.block), key.probe, t, layout);
      if (matched === undefined) continue;
      decision ??= {
        outcome: 'duplicate',
        coords: record.coords,
        record,
        strategy: key.strategy,
        stateKey: key.stateKey,
        first: null,
        approximate: { generation: matched },
      };
      if (semantics.window.kind === 'session') extend.push(key);
    }
    for (const { probe } of decision === undefined ? probed : extend) {
      const stripe = stripeOf(probe.block);
      const next = stripeWithKey(stripe, probe.block, generation, probe);
      if (next !== stripe) changedStripes.set(probe.block, next);
    }
    decision ??= {
      outcome: 'unique',
      coords: record.coords,
      record,
      stateKeys: keys.map((k) => k.stateKey),
      approximate: { generation },
    };
    if (record.replay !== true) watermarks.observe(input.partition, t);
    return decision;
  }
}

/**
 * Hashes the state keys of the records' valid events (approximate mode): the processor locks the
 * stripes of these probes' blocks, and hands the probes on so the engine need not hash again.
 */
export function bloomProbesOf(
  records: readonly ParsedRecord[],
  semantics: PipelineSemantics,
  layout: Pick<ApproximateLayout, 'blocks' | 'hashes'>,
): Map<string, BloomProbe> {
  const probes = new Map<string, BloomProbe>();
  for (const record of records) {
    if (record.kind !== 'valid') continue;
    const keys = stateKeysOf(record.event, semantics);
    if (!Array.isArray(keys)) continue;
    for (const { stateKey } of keys) {
      if (!probes.has(stateKey)) probes.set(stateKey, layoutProbe(stateKey, layout));
    }
  }
  return probes;
}

function isOwnedBy(state: KeyState | undefined, record: ValidRecord): boolean {
  return state !== undefined && sameCoordinates(state.origin, record.coords);
}
