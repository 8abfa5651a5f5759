import { TIME_RANGES } from '@dedup/contracts';
import { boundedBuckets, histogramQuantile, histogramRank, latenessBucketBounds } from './histogram-quantile';
import { advice, percentiles } from './lateness/lateness.service';
import { latencyQuantileMs } from './overview/overview.service';
import { stepIndex, stepStarts, timeWindow } from './time-window';

describe('time windows', () => {
  const now = Date.UTC(2026, 11, 5, 10, 7, 33, 250);

  it('covers each range in whole steps, the last holding now, aligned to the epoch', () => {
    for (const [range, { spanSeconds, stepSeconds }] of Object.entries(TIME_RANGES)) {
      const w = timeWindow(range as keyof typeof TIME_RANGES, now);
      expect(w.count).toBe(spanSeconds / stepSeconds);
      expect(w.fromMs % (stepSeconds * 1000)).toBe(0);
      const starts = stepStarts(w);
      expect(starts.at(-1)! <= now && now < starts.at(-1)! + w.stepMs).toBe(true);
      expect(stepIndex(w, now)).toBe(w.count - 1);
      expect(stepIndex(w, w.fromMs - 1)).toBe(-1);
    }
  });

  it('never steps finer than asked', () => {
    const w = timeWindow('15m', now, 60);
    expect(w.stepMs).toBe(60_000);
    expect(w.count).toBe(15);
  });
});

describe('histogram quantiles', () => {
  it('interpolates inside the rank bucket, linearly or on a log scale', () => {
    const buckets = [
      { from: 0, to: 10, count: 50 },
      { from: 10, to: 20, count: 50 },
    ];
    expect(histogramQuantile(buckets, 0.5)).toBe(10);
    expect(histogramQuantile(buckets, 0.75)).toBe(15);
    expect(histogramQuantile([{ from: 10, to: 1000, count: 2 }], 0.5, 'log')).toBeCloseTo(100, 6);
    expect(histogramQuantile([], 0.5)).toBeNull();
  });

  it('ranks a value as the inverse of the quantile', () => {
    const buckets = [
      { from: 0, to: 10, count: 50 },
      { from: 10, to: 20, count: 50 },
    ];
    expect(histogramRank(buckets, 15)).toBe(75);
    expect(histogramRank(buckets, 25)).toBe(100);
    expect(histogramRank(buckets, 0)).toBe(0);
  });

  it('answers the open bucket with its lower bound', () => {
    expect(histogramQuantile(boundedBuckets([1, 2], [0, 0, 5]), 0.99)).toBe(2);
  });

  it('reads the end-to-end latency buckets in ms', () => {
    // 0.005, 0.01, 0.025 … s: 10 observations in (5, 10] ms.
    expect(latencyQuantileMs(['0', '10', '0'], 0.5)).toBe(7.5);
    expect(latencyQuantileMs(null, 0.5)).toBeNull();
  });

  it('lateness buckets are 2^(1/16) wide, so a percentile is within 4.5 % of the exact one', () => {
    const { fromMs, toMs } = latenessBucketBounds(160);
    expect(toMs).toBeCloseTo(1024, 6);
    expect(toMs / fromMs).toBeCloseTo(Math.pow(2, 1 / 16), 9);
    expect(toMs / fromMs - 1).toBeLessThan(0.045);
  });
});

describe('lateness advice', () => {
  const late = [
    { from: 2_000, to: 4_000, count: 90 },
    { from: 4_000, to: 8_000, count: 9 },
    { from: 8_000, to: 16_000, count: 1 },
  ];

  it('keeps 99 % and 99.9 % of the late records, never below the current allowance, and prices it', () => {
    const [a99, a999] = advice(late, 100, 1_000, 50, 200);
    expect(a99!.keep).toBe(0.99);
    expect(a99!.allowedLatenessMs).toBe(8_000);
    expect(a99!.wouldKeep).toBe(99);
    // Five late records in one bucket: the advice that keeps 99 % of them keeps them all.
    expect(advice([{ from: 2_000, to: 2_100, count: 5 }], 5, 1_000, 1, 200)[0]!.wouldKeep).toBe(5);
    // 50 new keys/s held 7 s longer: 350 rows of 200 bytes.
    expect(a99!.extraStateRows).toBe(350);
    expect(a99!.extraStateBytes).toBe(70_000);
    expect(a999!.allowedLatenessMs).toBeGreaterThan(8_000);
    expect(a999!.allowedLatenessMs).toBeLessThanOrEqual(16_000);
    expect(advice(late, 100, 60_000, 50, 200)[0]!.extraStateRows).toBe(0);
    expect(advice([], 0, 1_000, 50, 200)).toEqual([]);
  });

  it('gives no percentiles without records', () => {
    expect(percentiles([])).toBeNull();
    expect(percentiles(late)!.p50).toBeGreaterThan(2_000);
  });
});
