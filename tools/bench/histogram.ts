// A small latency histogram in milliseconds, mergeable across processes as sparse [bucket, count]
// pairs: exact 1 ms buckets below 100 ms, then buckets 2 % wide (quantiles within 2 % above that).
const LINEAR_MS = 100;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);

export type SparseHistogram = [bucket: number, count: number][];

export function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < LINEAR_MS) return Math.floor(ms);
  return LINEAR_MS + Math.floor(Math.log(ms / LINEAR_MS) / LOG_GROWTH);
}

/** The largest latency a bucket holds (an integer-ms bucket below 100 ms holds exactly one value). */
export function bucketValue(bucket: number): number {
  if (bucket < LINEAR_MS) return bucket;
  return LINEAR_MS * GROWTH ** (bucket - LINEAR_MS + 1);
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  private total = 0;
  private maxMs = 0;

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxMs;
  }

  record(ms: number): void {
    const b = bucketOf(ms);
    this.counts.set(b, (this.counts.get(b) ?? 0) + 1);
    this.total++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  merge(sparse: SparseHistogram, max = 0): void {
    for (const [b, n] of sparse) {
      this.counts.set(b, (this.counts.get(b) ?? 0) + n);
      this.total += n;
    }
    if (max > this.maxMs) this.maxMs = max;
  }

  toSparse(): SparseHistogram {
    return [...this.counts].sort((a, b) => a[0] - b[0]);
  }

  /** The q-quantile (0 < q ≤ 1) in ms, or null when empty. */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (const [b, n] of this.toSparse()) {
      seen += n;
      if (seen >= rank) return Math.min(bucketValue(b), this.maxMs);
    }
    return this.maxMs;
  }

  clear(): void {
    this.counts.clear();
    this.total = 0;
    this.maxMs = 0;
  }
}
