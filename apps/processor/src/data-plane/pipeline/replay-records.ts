import { hash } from 'node:crypto';
import { DEDUP_HEADERS, type Outcome } from '@dedup/contracts';
import type { ParsedRecord } from '@dedup/core';
import type { RawRecord } from '../dedup.repository';
import { coordKey, type DecisionRecord } from './decision-record';

/**
 * Replayed DLQ records in the input (docs/adr/0009): the reference their headers carry, how a batch
 * treats them once the run item is known, and what the batch transaction records for them.
 */

export interface ReplayRef {
  readonly runId: string;
  readonly dlqId: string;
}

/** A run item as the batch transaction reads it: the first decision of it, if any. */
export interface ReplayItemState {
  readonly decided: { topic: string; partition: number; offset: string; at: number } | null;
  /** SHA-256 (hex) of the DLQ record's key and value: a replayed record carries exactly these bytes. */
  readonly keyHash: string;
  readonly valueHash: string;
}

const EMPTY = Buffer.alloc(0);
const sha256 = (bytes: Buffer | null): string => hash('sha256', bytes ?? EMPTY, 'hex');

export const replayKey = (ref: ReplayRef): string => `${ref.runId}:${ref.dlqId}`;

const ID = /^\d{1,18}$/;

/** The replay reference of a record's headers, or null (absent or malformed: an ordinary record). */
export function replayRefOf(raw: RawRecord): ReplayRef | null {
  const dlqId = raw.headers[DEDUP_HEADERS.replayOf];
  const runId = raw.headers[DEDUP_HEADERS.replayRun];
  if (dlqId === undefined || runId === undefined || !ID.test(dlqId) || !ID.test(runId)) return null;
  return { runId, dlqId };
}

/** What a batch does with each record that is not re-emitted from a recorded decision. */
export type ReplayPlan =
  | { readonly kind: 'ordinary' }
  /** The first copy of a verified run item: decided by the engine as a replay. */
  | { readonly kind: 'replay'; readonly ref: ReplayRef }
  /** Another copy of an item decided before (or earlier in this batch): a duplicate of that copy. */
  | {
      readonly kind: 'copy';
      readonly ref: ReplayRef;
      readonly first: { topic: string; partition: number; offset: string; at: number };
    };

/**
 * Plans the batch's pending records in offset order. A reference is honoured only when its run item
 * exists (in a started run of this pipeline) and the record carries exactly the DLQ record's key and
 * value bytes: a forged or stale header gets nothing a replay gets. The first copy of an undecided
 * item is a replay; any further copy, in this batch or after, is a copy of the first.
 */
export function planReplays(
  pending: readonly { readonly parsed: ParsedRecord; readonly raw: RawRecord }[],
  items: ReadonlyMap<string, ReplayItemState>,
  now: number,
): ReplayPlan[] {
  const firstInBatch = new Map<string, { topic: string; partition: number; offset: string; at: number }>();
  return pending.map((r): ReplayPlan => {
    const ref = replayRefOf(r.raw);
    const item = ref === null ? undefined : items.get(replayKey(ref));
    if (ref === null || item === undefined) return { kind: 'ordinary' };
    if (item.valueHash !== sha256(r.raw.value) || item.keyHash !== sha256(r.raw.key))
      return { kind: 'ordinary' };
    const first = item.decided ?? firstInBatch.get(replayKey(ref));
    if (first !== undefined) return { kind: 'copy', ref, first };
    const { topic, partition, offset } = r.parsed.coords;
    firstInBatch.set(replayKey(ref), { topic, partition, offset, at: now });
    return { kind: 'replay', ref };
  });
}

/** The decision of a further copy: a duplicate of the first copy's coordinates, decided here. */
export function copyDecision(
  parsed: ParsedRecord,
  plan: Extract<ReplayPlan, { kind: 'copy' }>,
  traceId: string | null,
): DecisionRecord {
  const valid = parsed.kind === 'valid' ? parsed.event : null;
  return {
    coords: parsed.coords,
    outcome: 'duplicate',
    eventId: valid?.event_id ?? null,
    eventTime: valid?.event_time ?? null,
    stateKeys: null,
    strategy: null,
    first: {
      topic: plan.first.topic,
      partition: plan.first.partition,
      offset: plan.first.offset,
      firstSeenAt: plan.first.at,
    },
    errorType: null,
    reason: `another copy of DLQ record ${plan.ref.dlqId} sent by replay run ${plan.ref.runId}`,
    watermark: null,
    latenessMs: null,
    traceId,
    approximate: false,
  };
}

/** What the batch transaction records for the first decision of a run item. */
export interface ReplayOutcomeRow {
  readonly run_id: string;
  readonly dlq_id: string;
  readonly outcome: Outcome;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly error_type: string | null;
  readonly error_message: string | null;
}

/** `replays`: the replayed records' references, by their coordinates (coordKey). */
export function replayOutcomeRows(
  decisions: readonly DecisionRecord[],
  replays: ReadonlyMap<string, ReplayRef>,
): ReplayOutcomeRow[] {
  return decisions.flatMap((d) => {
    const ref = replays.get(coordKey(d.coords));
    if (ref === undefined) return [];
    const failed = d.outcome === 'invalid' || d.outcome === 'failed';
    return [
      {
        run_id: ref.runId,
        dlq_id: ref.dlqId,
        outcome: d.outcome,
        topic: d.coords.topic,
        partition: d.coords.partition,
        offset: d.coords.offset,
        error_type: failed ? (d.errorType ?? d.outcome) : null,
        error_message: failed ? (d.reason ?? '') : null,
      },
    ];
  });
}
