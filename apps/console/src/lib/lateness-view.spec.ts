import type { LatenessAdvice, LatenessResponse } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  adviceText,
  binLabelOf,
  filterOptions,
  filterText,
  histogramBins,
  keepText,
  lateSummary,
  parseLatenessSearch,
  percentileText,
  stateCostText,
} from './lateness-view';

describe('parseLatenessSearch', () => {
  it('reads the range, topic and partition, the partition as a number', () => {
    expect(parseLatenessSearch({ range: '6h', topic: 'events.raw', partition: '2' })).toEqual({
      ok: true,
      query: { range: '6h', topic: 'events.raw', partition: 2 },
    });
    expect(parseLatenessSearch({})).toEqual({ ok: true, query: { range: '1h' } });
  });

  it('refuses a partition that is not digits, before the schema would coerce it', () => {
    for (const partition of ['1e2', '-1', '0x3', 'two']) {
      expect(parseLatenessSearch({ partition, range: '6h' })).toEqual({
        ok: false,
        problems: ['Partition: a whole number, 0 or more.'],
        raw: { partition, range: '6h' },
      });
    }
  });

  it('names a bad range', () => {
    expect(parseLatenessSearch({ range: '2h', topic: 'events.raw' })).toMatchObject({
      ok: false,
      problems: ['Range: a range: one of 15m, 1h, 6h, 24h, 7d (not "2h").'],
    });
  });
});

describe('filterOptions', () => {
  const partitions = [
    { topic: 'events.raw', partition: 1 },
    { topic: 'events.raw', partition: 0 },
  ];

  it('offers every partition, then each one, keeping the range and marking the current one', () => {
    expect(filterOptions(partitions, { range: '6h', topic: 'events.raw', partition: 1 })).toEqual([
      { label: 'All partitions', href: '/lateness?range=6h', current: false },
      { label: 'events.raw / 0', href: '/lateness?range=6h&topic=events.raw&partition=0', current: false },
      { label: 'events.raw / 1', href: '/lateness?range=6h&topic=events.raw&partition=1', current: true },
    ]);
  });

  it('offers a topic as a whole when there are several, and keeps an asked-for filter without rows', () => {
    const options = filterOptions([...partitions, { topic: 'other', partition: 0 }], {
      range: '1h',
      partition: 9,
    });
    expect(options.map((o) => o.label)).toEqual([
      'All partitions',
      'events.raw, all partitions',
      'events.raw / 0',
      'events.raw / 1',
      'other, all partitions',
      'other / 0',
      'partition 9',
    ]);
    expect(options.at(-1)).toEqual({
      label: 'partition 9',
      href: '/lateness?range=1h&partition=9',
      current: true,
    });
  });

  it('says the filter in words', () => {
    expect(filterText({})).toBe('every partition');
    expect(filterText({ topic: 't' })).toBe('t, all partitions');
    expect(filterText({ topic: 't', partition: 3 })).toBe('t / 3');
    expect(filterText({ partition: 3 })).toBe('partition 3');
  });
});

describe('histogramBins', () => {
  // Buckets 2^(1/16) apart, as the processor writes them.
  const r = 2 ** (1 / 16);
  const bucket = (fromMs: number, kept: number, late: number) => ({ fromMs, toMs: fromMs * r, kept, late });

  it('sums fine buckets into round, about ×2 bins, empty bins between kept', () => {
    const bins = histogramBins([
      bucket(1_100, 3, 0),
      bucket(1_500, 2, 0),
      bucket(6_000, 0, 4),
      bucket(7_000, 1, 1),
    ]);
    expect(bins).toEqual([
      { label: '1–2 s', fromMs: 1_000, toMs: 2_000, kept: 5, late: 0 },
      { label: '2–5 s', fromMs: 2_000, toMs: 5_000, kept: 0, late: 0 },
      { label: '5–10 s', fromMs: 5_000, toMs: 10_000, kept: 1, late: 5 },
    ]);
  });

  it('puts a bucket across an edge in the bin of its middle, and a bucket from 0 in the first', () => {
    // 1,960–2,046 ms: its middle (2,002) is past 2 s.
    expect(histogramBins([bucket(1_960, 1, 0)])[0]!.label).toBe('2–5 s');
    expect(histogramBins([{ fromMs: 0, toMs: 0.5, kept: 1, late: 0 }])[0]!.label).toBe('≤ 1 ms');
    expect(histogramBins([bucket(10 * 86_400_000, 0, 1)])[0]!.label).toBe('> 7 d');
  });

  it('widens to the allowed lateness’s bin, and is empty without records', () => {
    const bins = histogramBins([bucket(300, 1, 0)], 30_000);
    expect(bins.map((b) => b.label)).toEqual([
      '200–500 ms',
      '500 ms–1 s',
      '1–2 s',
      '2–5 s',
      '5–10 s',
      '10–20 s',
      '20–30 s',
    ]);
    expect(histogramBins([], 30_000)).toEqual([]);
    expect(histogramBins([{ fromMs: 5, toMs: 6, kept: 0, late: 0 }])).toEqual([]);
  });

  it('names the bin of a lateness', () => {
    expect(binLabelOf(60_000)).toBe('30 s–1 min');
    expect(binLabelOf(600_000)).toBe('5–10 min');
    expect(binLabelOf(3_600_001)).toBe('1–2 h');
  });
});

const response = (over: Partial<LatenessResponse> = {}): LatenessResponse => ({
  pipeline: 'orders',
  range: '1h',
  from: '2026-12-05T09:00:00.000Z',
  to: '2026-12-05T10:00:00.000Z',
  topic: null,
  partition: null,
  partitions: [],
  allowedLatenessMs: 5_000,
  decided: 48_000,
  behind: 322,
  late: 12,
  lateRate: 12 / 48_000,
  percentiles: { p50: 800, p90: 2_400, p99: 6_100, p999: 9_000 },
  latePercentiles: { p50: 6_000, p90: 8_000, p99: 9_000, p999: 9_500 },
  histogram: [],
  keyRatePerSecond: 13.3,
  bytesPerStateRow: 120,
  advice: [],
  generatedAt: '2026-12-05T10:00:00.000Z',
  ...over,
});

describe('lateSummary', () => {
  it('says how many were late and how many behind were still kept', () => {
    expect(lateSummary(response())).toBe(
      '12 of 48,000 records (0.025 %) were late in the last 1 hour; 310 records arrived behind the watermark but within the allowed lateness (5 s) and were decided normally.',
    );
  });

  it('says when nothing was late, or nothing was decided', () => {
    expect(lateSummary(response({ late: 0, lateRate: 0, behind: 1 }))).toBe(
      'No record was late in the last 1 hour; 1 record arrived behind the watermark but within the allowed lateness (5 s) and was decided normally.',
    );
    expect(lateSummary(response({ late: 0, lateRate: 0, behind: 0 }))).toBe(
      'No record was late in the last 1 hour; none arrived behind the watermark.',
    );
    expect(lateSummary(response({ decided: 0, late: 0, behind: 0, lateRate: null }))).toBe(
      'No valid record was decided in the last 1 hour.',
    );
    expect(lateSummary(response({ late: 1, behind: 1, lateRate: 1 / 48_000 }))).toBe(
      '1 of 48,000 records (0.0021 %) was late in the last 1 hour.',
    );
  });
});

describe('advice', () => {
  const advice: LatenessAdvice = {
    keep: 0.99,
    allowedLatenessMs: 9_100,
    wouldKeep: 11,
    extraStateRows: 54_530,
    extraStateBytes: 6_543_600,
  };

  it('says an advice row in plain words, with its cost', () => {
    expect(adviceText(advice, response())).toBe(
      'To keep 99 % of the late records, allow 9.1 s of lateness (now 5 s). Over the last 1 hour that would have kept 11 of the 12 records that were late, and holds about 54,530 more dedup state rows (6.24 MiB) at the current rate of new keys.',
    );
    expect(stateCostText(advice)).toBe('+54,530 rows (6.24 MiB)');
    expect(keepText(0.999)).toBe('99.9 %');
  });

  it('says when the allowed lateness already suffices', () => {
    expect(adviceText({ ...advice, allowedLatenessMs: 5_000 }, response())).toBe(
      'The allowed lateness now (5 s) already keeps 99 % of the late records: nothing to change.',
    );
  });

  it('says a missing percentile', () => {
    expect(percentileText(null, 'p99')).toBe('–');
    expect(percentileText(response().percentiles, 'p999')).toBe('9 s');
  });
});
