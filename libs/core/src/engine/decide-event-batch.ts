import type { PipelineSemantics } from '@dedup/contracts';
import { formatCoordinates, sameCoordinates } from '../coordinates';
import type { ParsedRecord, ValidRecord } from '../parse-record';
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
  /** Wall-clock ms of this batch: `firstSeenAt` of new claims and the activity time of the partition. */
  readonly now: number;
  readonly semantics: PipelineSemantics;
}

export interface DecideBatchOutput {
  /** One decision per record, in input order. */
  readonly decisions: EngineDecision[];
  /** The final state of every state key the batch claimed, replaced or extended (upsert these). */
  readonly changedStates: ReadonlyMap<string, KeyState>;
  /** The watermark snapshot after the batch (all partitions, sorted by partition). */
  readonly watermarks: WatermarkSnapshot;
}

/**
 * Decides a batch of one input partition, record by record in offset order, each record seeing the
 * state and watermark left by the previous one (docs/semantics.md states the rules):
 *
 * 1. invalid records, and records without a key (`missing_key_field`), are `invalid`;
 * 2. a record that already owns one of its state keys was decided `unique` before (a re-delivery
 *    after a crash between the Postgres and the Kafka commit): it is `unique` again and changes nothing;
 * 3. `event_time < watermark - allowedLateness` (the watermark before this record) is `late`:
 *    no state and no watermark change;
 * 4. otherwise, if a state key is in scope (`event_time < expiresAt`), a `duplicate` of the first
 *    in-scope strategy's state; a session window extends every in-scope state it matched;
 * 5. otherwise `unique`, claiming every state key (replacing out-of-scope states);
 * 6. records of steps 4 and 5 advance their partition's progress and the pipeline watermark.
 *
 * Pure: inputs are not mutated, and the same input gives the same output.
 */
export function decideEventBatch(input: DecideBatchInput): DecideBatchOutput {
  const { semantics, now } = input;
  if (!Number.isFinite(now)) throw new Error(`decideEventBatch: now must be finite, got ${now}`);
  const changed = new Map<string, KeyState>();
  const stateOf = (stateKey: string): KeyState | undefined =>
    changed.get(stateKey) ?? input.states.get(stateKey);
  const watermarks = new WatermarkTracker(input.watermarks, semantics);
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
  return { decisions, changedStates: changed, watermarks: watermarks.snapshot() };

  function decideValid(record: ValidRecord, keys: readonly StrategyStateKey[]): EngineDecision {
    const t = record.event.event_time;
    const stateKeys = keys.map((k) => k.stateKey);
    if (keys.some((k) => isOwnedBy(stateOf(k.stateKey), record))) {
      return { outcome: 'unique', coords: record.coords, record, stateKeys };
    }
    const watermark = watermarks.pipelineWatermark;
    if (watermark !== null && t < watermark - semantics.allowedLatenessMs) {
      return { outcome: 'late', coords: record.coords, record, watermark, latenessMs: watermark - t };
    }
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
    watermarks.observe(input.partition, t, now);
    return decision;
  }
}

function isOwnedBy(state: KeyState | undefined, record: ValidRecord): boolean {
  return state !== undefined && sameCoordinates(state.origin, record.coords);
}
