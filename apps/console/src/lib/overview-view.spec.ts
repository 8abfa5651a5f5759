import type { OverviewPoint, OverviewResponse } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  averageThroughput,
  hasSamples,
  outcomeShare,
  overviewRows,
  parseOverviewSearch,
  rangeDuplicateRatio,
  seriesSummary,
  totalDecided,
} from './overview-view';

const counts = (over: Partial<OverviewPoint['counts']> = {}): OverviewPoint['counts'] => ({
  unique: 0,
  duplicate: 0,
  late: 0,
  invalid: 0,
  failed: 0,
  ...over,
});

const point = (t: string, over: Partial<OverviewPoint> = {}): OverviewPoint => ({
  t,
  counts: counts(),
  throughputPerSecond: 0,
  duplicateRatio: null,
  latencyP50Ms: null,
  latencyP99Ms: null,
  consumerLag: null,
  dlqOpen: null,
  dlqOldestAgeSeconds: null,
  ...over,
});

describe('parseOverviewSearch', () => {
  it('defaults to the last hour and refuses an unknown range with a message', () => {
    expect(parseOverviewSearch({})).toEqual({ ok: true, query: { range: '1h' } });
    expect(parseOverviewSearch({ range: '24h' })).toEqual({ ok: true, query: { range: '24h' } });
    const bad = parseOverviewSearch({ range: 'forever' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual(['Range: a range: one of 15m, 1h, 6h, 24h, 7d (not "forever").']);
  });
});

describe('overviewRows', () => {
  const answer: Pick<OverviewResponse, 'points' | 'stepSeconds' | 'to'> = {
    stepSeconds: 60,
    to: '2026-12-05T10:02:30.000Z',
    points: [
      point('2026-12-05T10:00:00.000Z', {
        counts: counts({ unique: 120, duplicate: 60, invalid: 6 }),
        duplicateRatio: 1 / 3,
        latencyP50Ms: 12,
        latencyP99Ms: 80,
        consumerLag: 40,
        dlqOpen: 3,
        dlqOldestAgeSeconds: 95,
      }),
      point('2026-12-05T10:01:00.000Z'),
      // The last step: 30 s of it had passed at `to`.
      point('2026-12-05T10:02:00.000Z', { counts: counts({ unique: 30, late: 15 }), duplicateRatio: 0 }),
    ],
  };

  it('turns counts into rates per second and the ratio into percent, samples as they came', () => {
    const [first, empty] = overviewRows(answer);
    expect(first!.duplicatePercent).toBeCloseTo(100 / 3);
    expect({ ...first, duplicatePercent: 'checked' }).toEqual({
      t: Date.parse('2026-12-05T10:00:00.000Z'),
      unique: 2,
      duplicate: 1,
      late: 0,
      invalid: 0.1,
      failed: 0,
      throughput: 3.1,
      duplicatePercent: 'checked',
      latencyP50Ms: 12,
      latencyP99Ms: 80,
      consumerLag: 40,
      dlqOpen: 3,
      dlqOldestAgeSeconds: 95,
    });
    expect(empty).toMatchObject({ unique: 0, throughput: 0, duplicatePercent: null, consumerLag: null });
  });

  it('divides the partial last step by the part that has passed, so it draws no false drop', () => {
    const last = overviewRows(answer)[2]!;
    expect(last.unique).toBe(1);
    expect(last.late).toBe(0.5);
    expect(last.throughput).toBe(1.5);
    expect(last.duplicatePercent).toBe(0);
  });
});

describe('range figures', () => {
  const totals = counts({ unique: 30, duplicate: 30, invalid: 1 });

  it('adds up the outcomes, the ratio over unique and duplicate, and each share', () => {
    expect(totalDecided(totals)).toBe(61);
    expect(rangeDuplicateRatio(totals)).toBe(0.5);
    expect(rangeDuplicateRatio(counts({ invalid: 3 }))).toBeNull();
    expect(outcomeShare(totals, 'invalid')).toBeCloseTo(1 / 61);
    expect(outcomeShare(counts(), 'unique')).toBeNull();
  });

  it('averages the throughput over the range', () => {
    expect(
      averageThroughput({ totals, from: '2026-12-05T10:00:00.000Z', to: '2026-12-05T10:01:01.000Z' }),
    ).toBe(1);
    expect(averageThroughput({ totals, from: 'x', to: 'y' })).toBeNull();
  });
});

describe('seriesSummary and hasSamples', () => {
  it('says the latest and the highest value, skipping steps without samples', () => {
    expect(seriesSummary([3, null, 9, 4, null], String)).toBe('latest 4, highest 9');
    expect(seriesSummary([null, null], String)).toBe('nothing recorded in the range');
    expect(hasSamples([null, 0])).toBe(true);
    expect(hasSamples([null])).toBe(false);
  });
});
