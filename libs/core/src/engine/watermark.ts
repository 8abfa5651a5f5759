import type { PipelineSemantics } from '@dedup/contracts';

/** What the watermark needs to know about one input partition. */
export interface PartitionProgress {
  readonly partition: number;
  /** Largest event time (epoch ms) observed on the partition (late records are not observed). */
  readonly maxEventTime: number;
  /** Wall-clock ms of the latest batch that observed a record of the partition. */
  readonly lastActivityAt: number;
}

/**
 * The watermark state of one input topic, as a value: every partition's progress (all of them, not
 * only the ones this processor instance owns, since instances share the pipeline watermark) and the
 * pipeline watermark, which never moves backwards. `null` until a record has been observed.
 */
export interface WatermarkSnapshot {
  readonly partitions: readonly PartitionProgress[];
  readonly pipelineWatermark: number | null;
}

export const EMPTY_WATERMARK_SNAPSHOT: WatermarkSnapshot = Object.freeze({
  partitions: Object.freeze([]),
  pipelineWatermark: null,
});

type WatermarkSemantics = Pick<PipelineSemantics, 'maxOutOfOrdernessMs' | 'idleTimeoutMs'>;

/** A partition's own watermark: its newest event time minus the out-of-orderness it tolerates. */
export function partitionWatermark(
  progress: PartitionProgress,
  semantics: Pick<PipelineSemantics, 'maxOutOfOrdernessMs'>,
): number {
  return progress.maxEventTime - semantics.maxOutOfOrdernessMs;
}

/** A partition is active while it saw a record at most `idleTimeoutMs` (wall clock) before `now`. */
export function isPartitionActive(
  progress: PartitionProgress,
  now: number,
  semantics: Pick<PipelineSemantics, 'idleTimeoutMs'>,
): boolean {
  return now - progress.lastActivityAt <= semantics.idleTimeoutMs;
}

/**
 * The watermark the partitions justify at `now`, before the never-backwards rule: the minimum over
 * active partitions (the slowest active partition holds everyone back), or, when every partition is
 * idle, the maximum over all (nothing is in flight, so the most advanced clock is the best estimate).
 * `null` without partitions. The pipeline watermark is `max(previous, this)`.
 */
export function computeWatermark(
  partitions: readonly PartitionProgress[],
  now: number,
  semantics: WatermarkSemantics,
): number | null {
  let activeMin: number | null = null;
  let overallMax: number | null = null;
  for (const progress of partitions) {
    const watermark = partitionWatermark(progress, semantics);
    overallMax = overallMax === null ? watermark : Math.max(overallMax, watermark);
    if (isPartitionActive(progress, now, semantics)) {
      activeMin = activeMin === null ? watermark : Math.min(activeMin, watermark);
    }
  }
  return activeMin ?? overallMax;
}

/** `max(previous, computed)`, with `null` meaning "no watermark yet". */
export function advanceWatermark(previous: number | null, computed: number | null): number | null {
  if (previous === null) return computed;
  if (computed === null) return previous;
  return Math.max(previous, computed);
}

/**
 * A mutable working copy for one batch, decided at wall-clock `now`: the engine observes records one
 * by one and recomputes the pipeline watermark after each, then hands back an immutable snapshot.
 * Partitions are kept sorted so equal states give equal snapshots.
 *
 * The watermark is also recomputed once when the batch starts, at `now`, before any record is
 * judged: a partition that went idle since the last observed record (on any partition) must stop
 * holding the watermark back for the batch's first record too, not only from the first record it
 * observes (issue 17). Every record of the batch shares `now`, so no later recomputation within the
 * batch can find another partition idle.
 */
export class WatermarkTracker {
  private readonly progress = new Map<number, PartitionProgress>();
  private watermark: number | null;
  /** The pipeline watermark after the start-of-batch recomputation: what the first record is judged against. */
  readonly startWatermark: number | null;

  constructor(
    snapshot: WatermarkSnapshot,
    private readonly semantics: WatermarkSemantics,
    private readonly now: number,
  ) {
    for (const p of snapshot.partitions) {
      if (this.progress.has(p.partition)) {
        throw new Error(`watermark snapshot lists partition ${p.partition} twice`);
      }
      this.progress.set(p.partition, p);
    }
    this.watermark = snapshot.pipelineWatermark;
    this.recompute();
    this.startWatermark = this.watermark;
  }

  get pipelineWatermark(): number | null {
    return this.watermark;
  }

  /** A record that is not late (duplicates included) moves its partition's clock and activity. */
  observe(partition: number, eventTime: number): void {
    const previous = this.progress.get(partition);
    this.progress.set(partition, {
      partition,
      maxEventTime: previous === undefined ? eventTime : Math.max(previous.maxEventTime, eventTime),
      // max: a wall clock stepping back (NTP, another instance) must not make a partition look idle.
      lastActivityAt: previous === undefined ? this.now : Math.max(previous.lastActivityAt, this.now),
    });
    this.recompute();
  }

  snapshot(): WatermarkSnapshot {
    const partitions = [...this.progress.values()].sort((a, b) => a.partition - b.partition);
    return { partitions, pipelineWatermark: this.watermark };
  }

  /** Never backwards: a partition active again (or new) may lower the computed value, not this one. */
  private recompute(): void {
    this.watermark = advanceWatermark(
      this.watermark,
      computeWatermark([...this.progress.values()], this.now, this.semantics),
    );
  }
}
