import type { BackfillPartition, BackfillRange } from '@dedup/contracts';
import { ControlPlaneError } from '../control-plane-error';

/*
 * The pure part of backfills: which offsets a range covers, how far a job has got, and the rate
 * limit. No Kafka, Postgres or Nest here, so all of it is unit-tested (backfill-plan.spec.ts).
 */

/** A bad request the operator can fix: the controller answers 400 with the message. */
export class BackfillRequestError extends ControlPlaneError {
  constructor(message: string) {
    super('invalid_request', message);
  }
}

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: bigint;
  /** Offset the next record will get (the high watermark). */
  readonly high: bigint;
}

export interface PlannedPartition {
  readonly partition: number;
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

/**
 * The offset range per partition. A time range uses the offsets Kafka resolves for its bounds
 * (`atFrom`/`atTo`: first offset with a timestamp at or after the bound; the high watermark when
 * there is none); a missing bound is the start or the end of the log. An offset range is checked
 * against the log: it may start below the log start (those records are gone, and are not counted),
 * but not end past the high watermark, or the job would wait for records that do not exist yet.
 */
export function planPartitions(
  range: BackfillRange,
  log: readonly PartitionOffsets[],
  resolved: { atFrom?: ReadonlyMap<number, bigint>; atTo?: ReadonlyMap<number, bigint> } = {},
): PlannedPartition[] {
  const byPartition = new Map(log.map((p) => [p.partition, p]));
  if (range.kind === 'time') {
    if (
      range.from !== undefined &&
      range.to !== undefined &&
      Date.parse(range.from) >= Date.parse(range.to)
    ) {
      throw new BackfillRequestError(`range.from (${range.from}) must be before range.to (${range.to})`);
    }
    return [...log]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => {
        const start = clamp(resolved.atFrom?.get(p.partition) ?? p.low, p.low, p.high);
        const end = clamp(resolved.atTo?.get(p.partition) ?? p.high, start, p.high);
        return { partition: p.partition, start, end };
      });
  }
  const seen = new Set<number>();
  return range.partitions
    .map((r) => {
      const p = byPartition.get(r.partition);
      if (p === undefined) {
        throw new BackfillRequestError(
          `partition ${r.partition} does not exist (the topic has partitions ${[...byPartition.keys()].sort((a, b) => a - b).join(', ')})`,
        );
      }
      if (seen.has(r.partition)) throw new BackfillRequestError(`partition ${r.partition} is listed twice`);
      seen.add(r.partition);
      const start = BigInt(r.start);
      const end = BigInt(r.end);
      if (start > end) {
        throw new BackfillRequestError(`partition ${r.partition}: start ${start} is after end ${end}`);
      }
      if (end > p.high) {
        throw new BackfillRequestError(
          `partition ${r.partition}: end ${end} is past the end of the log (${p.high}); a backfill covers records that exist`,
        );
      }
      return { partition: r.partition, start: start < p.low ? p.low : start, end };
    })
    .sort((a, b) => a.partition - b.partition);
}

function clamp(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Progress of one partition. `lastProcessed` is the job namespace's partition_progress (the highest
 * offset with a recorded decision), null before the first batch. Offsets are counted, so a range
 * over a compacted topic or over transaction markers reaches done with fewer records than counted.
 */
export function partitionProgress(p: PlannedPartition, lastProcessed: bigint | null): BackfillPartition {
  const next = clamp(lastProcessed === null ? p.start : lastProcessed + 1n, p.start, p.end);
  return {
    partition: p.partition,
    startOffset: p.start.toString(),
    endOffset: p.end.toString(),
    nextOffset: next.toString(),
    totalRecords: Number(p.end - p.start),
    processedRecords: Number(next - p.start),
    done: next >= p.end,
  };
}

export interface ProgressSummary {
  readonly totalRecords: number;
  readonly processedRecords: number;
  readonly progress: number;
  readonly done: boolean;
  /** At `ratePerSecond`, null when no rate applies (the job is not running). */
  readonly etaSeconds: number | null;
}

export function summarize(
  partitions: readonly BackfillPartition[],
  ratePerSecond: number | null,
): ProgressSummary {
  let total = 0;
  let processed = 0;
  for (const p of partitions) {
    total += p.totalRecords;
    processed += p.processedRecords;
  }
  return {
    totalRecords: total,
    processedRecords: processed,
    progress: total === 0 ? 1 : processed / total,
    done: partitions.every((p) => p.done),
    etaSeconds: ratePerSecond === null ? null : Math.ceil((total - processed) / ratePerSecond),
  };
}

/**
 * Token bucket: `ratePerSecond` tokens a second, at most one second's worth banked. A batch takes
 * its records' tokens at once and may overdraw the bucket; `reserve` answers how long to wait before
 * processing it, so over any window the average stays at the rate.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = ratePerSecond;
    this.last = now();
  }

  /** Takes `n` tokens; returns the milliseconds to wait before using them (0: go now). */
  reserve(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }
}
