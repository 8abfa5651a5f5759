import { Inject, Injectable } from '@nestjs/common';
import type { LatenessAdvice, LatenessPercentiles, LatenessResponse, RouteInput } from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { histogramQuantile, histogramRank, latenessBucketBounds, type Bucket } from '../histogram-quantile';
import { timeWindow } from '../time-window';
import { LatenessRepository } from './lateness.repository';

/** The shares of late records the advice is given for. */
export const ADVICE_SHARES = [0.99, 0.999] as const;
/** A state row's size before the table has any (a claim row and its index entries, measured). */
const DEFAULT_BYTES_PER_STATE_ROW = 200;

export function percentiles(buckets: readonly Bucket[]): LatenessPercentiles | null {
  const q = (p: number) => histogramQuantile(buckets, p, 'log');
  const [p50, p90, p99, p999] = [q(0.5), q(0.9), q(0.99), q(0.999)];
  if (p50 === null || p90 === null || p99 === null || p999 === null) return null;
  const r = (v: number) => Math.round(v * 10) / 10;
  return { p50: r(p50), p90: r(p90), p99: r(p99), p999: r(p999) };
}

/**
 * Allowed-lateness advice: for each share, the lateness that would have kept that share of the late
 * records (never below the current allowance), and what it costs. State is kept for the window plus
 * the allowed lateness (docs/semantics.md), so each new key lives (advised − current) longer: at the
 * measured rate of new keys, that many more rows are held at any time.
 */
export function advice(
  late: readonly Bucket[],
  lateCount: number,
  allowedLatenessMs: number,
  keyRatePerSecond: number,
  bytesPerStateRow: number,
): LatenessAdvice[] {
  if (lateCount === 0) return [];
  return ADVICE_SHARES.map((keep) => {
    const quantile = histogramQuantile(late, keep, 'log') ?? allowedLatenessMs;
    const allowed = Math.max(allowedLatenessMs, Math.ceil(quantile));
    const extraRows = Math.round((keyRatePerSecond * (allowed - allowedLatenessMs)) / 1000);
    return {
      keep,
      allowedLatenessMs: allowed,
      // The late records at or below the advised lateness (rounded up to a whole ms above the quantile).
      wouldKeep: Math.min(lateCount, Math.round(histogramRank(late, allowed, 'log'))),
      extraStateRows: extraRows,
      extraStateBytes: extraRows * bytesPerStateRow,
    };
  });
}

/** The lateness distribution and advice (issue 15, part 3), from the rollups. */
@Injectable()
export class LatenessService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LatenessRepository) private readonly repository: LatenessRepository,
  ) {}

  async distribution(query: RouteInput<'lateness.get'>['query']): Promise<LatenessResponse> {
    const pipeline = this.config.pipeline.name;
    const window = timeWindow(query.range, Date.now(), 60);
    const filter = { pipeline, fromMs: window.fromMs, topic: query.topic, partition: query.partition };
    const [rows, partitions, outcomes, bytes] = await Promise.all([
      this.repository.buckets(filter),
      this.repository.partitions(pipeline, window.fromMs),
      // Outcome counts know no topic: a filter naming another topic than the input counts nothing.
      query.topic === undefined || query.topic === this.config.topics.input
        ? this.repository.outcomes(filter)
        : Promise.resolve(new Map<string, number>()),
      this.repository.bytesPerStateRow(),
    ]);
    const byBucket = new Map<number, { kept: number; late: number }>();
    for (const r of rows) {
      const b = byBucket.get(r.bucket) ?? { kept: 0, late: 0 };
      if (r.late) b.late += Number(r.n);
      else b.kept += Number(r.n);
      byBucket.set(r.bucket, b);
    }
    const histogram = [...byBucket.entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucket, c]) => {
        const { fromMs, toMs } = latenessBucketBounds(bucket);
        return { fromMs, toMs, kept: c.kept, late: c.late };
      });
    const all: Bucket[] = histogram.map((h) => ({ from: h.fromMs, to: h.toMs, count: h.kept + h.late }));
    const lateOnly: Bucket[] = histogram.map((h) => ({ from: h.fromMs, to: h.toMs, count: h.late }));
    const behind = all.reduce((n, b) => n + b.count, 0);
    const late = lateOnly.reduce((n, b) => n + b.count, 0);
    const count = (o: string) => outcomes.get(o) ?? 0;
    const decided = count('unique') + count('duplicate') + count('late');
    const spanSeconds = (window.toMs - window.fromMs) / 1000;
    const keyRatePerSecond = (count('unique') * this.config.semantics.keys.length) / spanSeconds;
    const bytesPerStateRow = bytes ?? DEFAULT_BYTES_PER_STATE_ROW;
    const allowedLatenessMs = this.config.semantics.allowedLatenessMs;
    return {
      pipeline,
      range: window.range,
      from: new Date(window.fromMs).toISOString(),
      to: new Date(window.toMs).toISOString(),
      topic: query.topic ?? null,
      partition: query.partition ?? null,
      partitions,
      allowedLatenessMs,
      decided,
      behind,
      late,
      lateRate: decided === 0 ? null : count('late') / decided,
      percentiles: percentiles(all),
      latePercentiles: percentiles(lateOnly),
      histogram,
      keyRatePerSecond: Math.round(keyRatePerSecond * 1000) / 1000,
      bytesPerStateRow,
      advice: advice(lateOnly, late, allowedLatenessMs, keyRatePerSecond, bytesPerStateRow),
      generatedAt: new Date(window.toMs).toISOString(),
    };
  }
}
