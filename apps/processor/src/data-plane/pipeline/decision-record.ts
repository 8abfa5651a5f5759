import type { Outcome } from '@dedup/contracts';
import type { EngineDecision, EngineDuplicateDecision, RecordCoordinates } from '@dedup/core';

/**
 * A decision as it is persisted (one audit row) and emitted (one output record). Flat and
 * serialisable, so a decision read back from the audit table re-emits exactly what was decided.
 */
export interface DecisionRecord {
  readonly coords: RecordCoordinates;
  readonly outcome: Outcome;
  readonly eventId: string | null;
  readonly eventTime: number | null;
  readonly stateKeys: readonly string[] | null;
  readonly strategy: string | null;
  readonly first: {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
    readonly firstSeenAt: number;
  } | null;
  readonly errorType: string | null;
  readonly reason: string | null;
  readonly watermark: number | null;
  readonly latenessMs: number | null;
  /** The trace of the decision's span (W3C trace id), also on the audit and DLQ rows. */
  readonly traceId: string | null;
  /** Decided by approximate mode's Bloom filters (docs/semantics.md): a duplicate may be a false positive. */
  readonly approximate: boolean;
}

const EMPTY = {
  eventId: null,
  eventTime: null,
  stateKeys: null,
  strategy: null,
  first: null,
  errorType: null,
  reason: null,
  watermark: null,
  latenessMs: null,
  traceId: null,
  approximate: false,
} as const;

export function toDecisionRecord(d: EngineDecision, traceId: string | null): DecisionRecord {
  return { ...decisionFields(d), traceId };
}

/**
 * A kept record (unique or duplicate) with the pipeline watermark its batch began with, and how far
 * behind it the record's event time was (0 when ahead): the audit's "watermark at decision" for
 * every valid record, and the lateness the lateness rollup counts (as `dedup_event_lateness_seconds`
 * measures it). A late record keeps the engine's own watermark and lateness.
 */
export function judgedAgainst(d: DecisionRecord, watermark: number | null): DecisionRecord {
  if (watermark === null || d.eventTime === null) return d;
  if (d.outcome !== 'unique' && d.outcome !== 'duplicate') return d;
  return { ...d, watermark, latenessMs: Math.max(0, watermark - d.eventTime) };
}

function decisionFields(d: EngineDecision): DecisionRecord {
  switch (d.outcome) {
    case 'unique':
      return {
        ...EMPTY,
        coords: d.coords,
        outcome: d.outcome,
        eventId: d.record.event.event_id,
        eventTime: d.record.event.event_time,
        stateKeys: d.stateKeys,
        approximate: d.approximate !== undefined,
      };
    case 'duplicate':
      return {
        ...EMPTY,
        coords: d.coords,
        outcome: d.outcome,
        eventId: d.record.event.event_id,
        eventTime: d.record.event.event_time,
        stateKeys: [d.stateKey],
        strategy: d.strategy,
        first: d.first === null ? null : { ...d.first.origin, firstSeenAt: d.first.firstSeenAt },
        reason: duplicateReason(d),
        approximate: d.approximate !== undefined,
      };
    case 'late':
      return {
        ...EMPTY,
        coords: d.coords,
        outcome: d.outcome,
        eventId: d.record.event.event_id,
        eventTime: d.record.event.event_time,
        watermark: d.watermark,
        latenessMs: d.latenessMs,
        reason: `event time is ${d.latenessMs} ms behind the watermark`,
      };
    case 'invalid':
      return { ...EMPTY, coords: d.coords, outcome: d.outcome, errorType: d.errorType, reason: d.reason };
    case 'failed':
      return { ...EMPTY, coords: d.coords, outcome: d.outcome, errorType: d.errorType, reason: d.reason };
  }
}

/** Approximate mode knows that a key was seen in a generation, not by which record: it says so. */
function duplicateReason(d: EngineDuplicateDecision): string {
  if (d.approximate !== undefined) {
    const { generation } = d.approximate;
    const where = `the Bloom filter of generation ${generation}`;
    return `probable duplicate by ${d.strategy}: key found in ${where} (approximate mode)`;
  }
  if (d.first === null) throw new Error('an exact duplicate decision must name its first occurrence');
  const { topic, partition, offset } = d.first.origin;
  return `duplicate of ${topic}/${partition}@${offset} by ${d.strategy}`;
}

/** A record's coordinates as one map key. */
export function coordKey(c: { topic: string; partition: number; offset: string }): string {
  return `${c.topic}\u0000${c.partition}\u0000${c.offset}`;
}
