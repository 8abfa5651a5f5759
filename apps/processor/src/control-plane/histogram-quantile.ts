/**
 * Quantiles from bucketed counts, as Prometheus's histogram_quantile reads them: the rank's bucket
 * is found by cumulative count and the value interpolated inside it (linearly, or geometrically for
 * log-spaced buckets, whose values spread evenly on a log scale).
 */
export interface Bucket {
  /** Values above this … */
  readonly from: number;
  /** … up to and including this; Infinity for the last, open, bucket. */
  readonly to: number;
  readonly count: number;
}

export function histogramQuantile(
  buckets: readonly Bucket[],
  q: number,
  scale: 'linear' | 'log' = 'linear',
): number | null {
  const total = buckets.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const b of buckets) {
    if (b.count === 0) continue;
    if (seen + b.count >= rank) {
      // An open last bucket has no upper bound to interpolate to: its lower bound is the answer.
      if (!Number.isFinite(b.to)) return b.from;
      const f = Math.min(1, Math.max(0, (rank - seen) / b.count));
      if (scale === 'log' && b.from > 0) return b.from * Math.pow(b.to / b.from, f);
      return b.from + (b.to - b.from) * f;
    }
    seen += b.count;
  }
  const last = buckets.at(-1);
  return last === undefined ? null : Number.isFinite(last.to) ? last.to : last.from;
}

/**
 * How many observations are at or below `value`: the inverse of histogramQuantile, with the same
 * interpolation inside the bucket that holds `value`.
 */
export function histogramRank(
  buckets: readonly Bucket[],
  value: number,
  scale: 'linear' | 'log' = 'linear',
): number {
  let rank = 0;
  for (const b of buckets) {
    if (value >= b.to) rank += b.count;
    else if (value > b.from && b.count > 0 && Number.isFinite(b.to)) {
      const f =
        scale === 'log' && b.from > 0
          ? Math.log(value / b.from) / Math.log(b.to / b.from)
          : (value - b.from) / (b.to - b.from);
      rank += b.count * f;
    }
  }
  return rank;
}

/** Buckets from upper bounds and counts per bucket (the last count is the open +Inf bucket). */
export function boundedBuckets(bounds: readonly number[], counts: readonly number[]): Bucket[] {
  return counts.map((count, i) => ({
    from: i === 0 ? 0 : (bounds[i - 1] ?? Infinity),
    to: i < bounds.length ? (bounds[i] ?? Infinity) : Infinity,
    count,
  }));
}

/** Lateness buckets of the lateness rollup: bucket b holds (2^((b−1)/16), 2^(b/16)] ms. */
export const LATENESS_BUCKETS_PER_DOUBLING = 16;

export function latenessBucketBounds(bucket: number): { fromMs: number; toMs: number } {
  return {
    fromMs: Math.pow(2, (bucket - 1) / LATENESS_BUCKETS_PER_DOUBLING),
    toMs: Math.pow(2, bucket / LATENESS_BUCKETS_PER_DOUBLING),
  };
}
