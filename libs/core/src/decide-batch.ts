import type { Outcome } from '@dedup/contracts';
import { sameCoordinates, type RecordCoordinates } from './coordinates';
import type { InvalidErrorType, InvalidRecord, ParsedRecord, ValidRecord } from './parse-record';

/** The durable claim on a dedup key: who saw it first. Postgres holds these; this is its shape. */
export interface Claim {
  readonly key: string;
  readonly origin: RecordCoordinates;
  readonly eventId: string;
  /** Wall-clock ms when the claim was made. */
  readonly firstSeenAt: number;
}

/** A key the batch wants to claim: its first occurrence in the batch, in offset order. */
export interface ClaimCandidate {
  readonly key: string;
  readonly origin: RecordCoordinates;
  readonly eventId: string;
  readonly eventTime: number;
}

interface DecisionBase {
  readonly outcome: Outcome;
  readonly coords: RecordCoordinates;
}

export interface UniqueDecision extends DecisionBase {
  readonly outcome: 'unique';
  readonly record: ValidRecord;
  readonly key: string;
}

export interface DuplicateDecision extends DecisionBase {
  readonly outcome: 'duplicate';
  readonly record: ValidRecord;
  readonly key: string;
  /** The first occurrence this record duplicates. */
  readonly first: Claim;
}

export interface InvalidDecision extends DecisionBase {
  readonly outcome: 'invalid';
  readonly record: InvalidRecord;
  readonly errorType: InvalidErrorType;
  readonly reason: string;
}

export type Decision = UniqueDecision | DuplicateDecision | InvalidDecision;

/** The dedup key of an event. Only `event_id` for now; composite and content-hash keys come next. */
export function dedupKey(record: ValidRecord): string {
  return `event_id:${record.event.event_id}`;
}

/**
 * The keys a batch must claim: one candidate per distinct key, the first occurrence in offset order.
 * Later occurrences of the same key in the batch can never win, so they are not sent to the arbiter.
 */
export function claimCandidates(records: readonly ParsedRecord[]): ClaimCandidate[] {
  const byKey = new Map<string, ClaimCandidate>();
  for (const record of records) {
    if (record.kind !== 'valid') continue;
    const key = dedupKey(record);
    if (!byKey.has(key)) {
      byKey.set(key, {
        key,
        origin: record.coords,
        eventId: record.event.event_id,
        eventTime: record.event.event_time,
      });
    }
  }
  return [...byKey.values()];
}

/**
 * Decides every record of a batch, given the winning claim of each of its keys (as the arbiter
 * returned it, whether this batch or an earlier one made it). A record is unique exactly when the
 * winning claim is its own coordinates; that also makes a re-delivered record (after a crash between
 * the Postgres commit and the Kafka commit) decide as it did the first time.
 */
export function decideBatch(
  records: readonly ParsedRecord[],
  winningClaims: ReadonlyMap<string, Claim>,
): Decision[] {
  return records.map((record): Decision => {
    if (record.kind === 'invalid') {
      return {
        outcome: 'invalid',
        coords: record.coords,
        record,
        errorType: record.errorType,
        reason: record.reason,
      };
    }
    const key = dedupKey(record);
    const claim = winningClaims.get(key);
    if (claim === undefined) {
      // The arbiter answers for every candidate key; a missing answer is a bug, not data.
      throw new Error(`no claim resolved for key ${key}`);
    }
    if (sameCoordinates(claim.origin, record.coords)) {
      return { outcome: 'unique', coords: record.coords, record, key };
    }
    return { outcome: 'duplicate', coords: record.coords, record, key, first: claim };
  });
}
