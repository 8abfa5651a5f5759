import type { InputEvent, Outcome } from '@dedup/contracts';
import type { RecordCoordinates } from '../coordinates';
import type { InvalidErrorType, InvalidRecord, ValidRecord } from '../parse-record';

/**
 * What the pipeline remembers about one state key: the occurrence that claimed it and until when
 * (in event time) later occurrences are duplicates of it. Postgres holds these; this is their shape.
 */
export interface KeyState {
  /** The key for sliding and session windows; `<key>#<bucket>` for tumbling ones. */
  readonly stateKey: string;
  /** Name of the key strategy that produced the key. */
  readonly strategy: string;
  /** The first occurrence (the record that claimed the key). */
  readonly origin: RecordCoordinates;
  readonly eventId: string;
  /** Event time (epoch ms) of the first occurrence. */
  readonly firstEventTime: number;
  /** Wall-clock ms at which the first occurrence was decided. */
  readonly firstSeenAt: number;
  /**
   * Event-time ms, exclusive: an occurrence with event time `t < expiresAt` is in scope (a
   * duplicate). Once `watermark - allowedLateness >= expiresAt` the state may be deleted.
   */
  readonly expiresAt: number;
}

interface EngineDecisionBase {
  readonly outcome: Outcome;
  readonly coords: RecordCoordinates;
}

/**
 * Set on unique and duplicate decisions made in approximate mode (docs/semantics.md), where Bloom
 * filters per generation stand in for exact state: the generation the keys were added to (unique) or
 * found in (duplicate).
 */
export interface ApproximateBasis {
  readonly generation: number;
}

export interface EngineUniqueDecision extends EngineDecisionBase {
  readonly outcome: 'unique';
  readonly record: ValidRecord;
  /** Every state key of the record, in strategy order; the record claimed (or owns) all of them. */
  readonly stateKeys: readonly string[];
  readonly approximate?: ApproximateBasis;
}

export interface EngineDuplicateDecision extends EngineDecisionBase {
  readonly outcome: 'duplicate';
  readonly record: ValidRecord;
  /** The first strategy, in config order, whose key was in scope. */
  readonly strategy: string;
  readonly stateKey: string;
  /**
   * The state that made the record a duplicate, as it stood before this record (its first
   * occurrence). Null in approximate mode: a Bloom filter knows that a key was seen, not where.
   */
  readonly first: KeyState | null;
  readonly approximate?: ApproximateBasis;
}

export interface EngineLateDecision extends EngineDecisionBase {
  readonly outcome: 'late';
  readonly record: ValidRecord;
  /** The pipeline watermark the record was compared with (before observing it). */
  readonly watermark: number;
  /** `watermark - event_time`, always greater than the allowed lateness. */
  readonly latenessMs: number;
}

export interface EngineInvalidDecision extends EngineDecisionBase {
  readonly outcome: 'invalid';
  readonly record: InvalidRecord;
  readonly errorType: InvalidErrorType;
  readonly reason: string;
  /** The parsed event when the record was valid JSON but has no key (`missing_key_field`), for the audit row. */
  readonly event?: InputEvent;
}

export interface EngineFailedDecision extends EngineDecisionBase {
  readonly outcome: 'failed';
  readonly errorType: 'processing_failed';
  readonly reason: string;
}

/** One decision per input record. Exhaustive on `outcome`: a `switch` over it must handle all five. */
export type EngineDecision =
  | EngineUniqueDecision
  | EngineDuplicateDecision
  | EngineLateDecision
  | EngineInvalidDecision
  | EngineFailedDecision;

/**
 * A record the processor gave up on after its bounded retries. The engine never produces this
 * (deciding is pure and cannot fail on data); the processor does, for the DLQ and the audit row.
 */
export function failedDecision(coords: RecordCoordinates, reason: string): EngineFailedDecision {
  return { outcome: 'failed', coords, errorType: 'processing_failed', reason };
}
