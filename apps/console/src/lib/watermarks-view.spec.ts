import type { PartitionWatermark, WatermarkHistory } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  durationText,
  heldBackText,
  lagAxis,
  lagAxisText,
  lagLines,
  lagRows,
  lagSummary,
  lagText,
  ownerText,
  partitionAnchor,
  partitionHref,
  partitionStrip,
  otherTopicNote,
  parseWatermarksSearch,
  pipelineLagMs,
  recordsBehindText,
  stateText,
  unchartedText,
} from './watermarks-view';

const partition = (over: Partial<PartitionWatermark> = {}): PartitionWatermark => ({
  partition: 0,
  watermark: '2026-12-05T10:00:00.000Z',
  maxEventTime: '2026-12-05T10:00:05.000Z',
  eventTimeLagMs: 4_000,
  lastRecordAt: '2026-12-05T10:00:03.000Z',
  idle: false,
  idleForMs: null,
  committedOffset: '41',
  endOffset: '42',
  recordsBehind: 0,
  owner: null,
  ...over,
});

describe('durationText', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [4_000, '4 s'],
    [4_999, '4 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [130_000, '2 min 10 s'],
    [3_599_000, '59 min 59 s'],
    [3 * 3_600_000, '3 h'],
    [3 * 3_600_000 + 59_000, '3 h'],
    [3_900_000, '1 h 5 min'],
    [2 * 86_400_000 + 4 * 3_600_000 + 1, '2 d 4 h'],
    [-4_000, '4 s'],
  ])('%d ms is "%s"', (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});

describe('lagText', () => {
  it('says a lag, a watermark ahead of the clock, or nothing', () => {
    expect(lagText(130_000)).toBe('2 min 10 s');
    expect(lagText(-4_000)).toBe('4 s ahead');
    expect(lagText(null)).toBe('–');
  });
});

describe('recordsBehindText', () => {
  it('groups thousands and says when Kafka could not be asked', () => {
    expect(recordsBehindText(0)).toBe('0');
    expect(recordsBehindText(1_234_567)).toBe('1,234,567');
    expect(recordsBehindText(null)).toBe('unknown');
  });
});

describe('stateText', () => {
  it('is active, idle for a while, or never seen', () => {
    expect(stateText(partition())).toBe('active');
    expect(stateText(partition({ idle: true, idleForMs: 120_000 }))).toBe('idle for 2 min');
    expect(stateText(partition({ idle: true, idleForMs: null, lastRecordAt: null }))).toBe('no records yet');
  });
});

describe('partitionStrip', () => {
  it("says each partition in the table's words, the one holding the watermark back named so", () => {
    const strip = partitionStrip({
      heldBackBy: 1,
      partitions: [
        partition({ partition: 0, eventTimeLagMs: 4_000, recordsBehind: 0 }),
        partition({ partition: 1, eventTimeLagMs: 600_000, recordsBehind: 12_345 }),
        partition({ partition: 2, idle: true, idleForMs: 120_000, eventTimeLagMs: 3_900_000 }),
        partition({
          partition: 3,
          idle: true,
          idleForMs: null,
          lastRecordAt: null,
          watermark: null,
          eventTimeLagMs: null,
          recordsBehind: null,
        }),
      ],
    });
    expect(strip).toEqual([
      {
        partition: 0,
        role: 'active',
        state: 'active',
        recordsBehind: '0',
        lag: '4 s',
        href: '/watermarks#p-0',
      },
      {
        partition: 1,
        role: 'holds-back',
        state: 'holds the watermark back',
        recordsBehind: '12,345',
        lag: '10 min',
        href: '/watermarks#p-1',
      },
      {
        partition: 2,
        role: 'idle',
        state: 'idle for 2 min',
        recordsBehind: '0',
        lag: '1 h 5 min',
        href: '/watermarks#p-2',
      },
      {
        partition: 3,
        role: 'idle',
        state: 'no records yet',
        recordsBehind: 'unknown',
        lag: '–',
        href: '/watermarks#p-3',
      },
    ]);
  });

  it('marks none when every partition is idle, and is empty without partitions', () => {
    const idle = partition({ idle: true, idleForMs: 60_000 });
    expect(partitionStrip({ heldBackBy: null, partitions: [idle] }).map((r) => r.role)).toEqual(['idle']);
    expect(partitionStrip({ heldBackBy: null, partitions: [] })).toEqual([]);
  });
});

describe('ownerText', () => {
  it('names this instance, and only this one', () => {
    expect(ownerText({ instance: 'dedup-processor@host/42', thisInstance: true })).toBe(
      'this instance (dedup-processor@host/42)',
    );
    expect(ownerText(null)).toBe('another instance, or none');
  });
});

describe('anchors', () => {
  it('links a partition row', () => {
    expect(partitionAnchor(3)).toBe('p-3');
    expect(partitionHref(3)).toBe('/watermarks#p-3');
    expect(partitionHref(0, 'events.raw')).toBe('/watermarks?topic=events.raw#p-0');
  });

  it('says when a link was for a partition of another topic', () => {
    expect(otherTopicNote(null, 'events.raw')).toBeNull();
    expect(otherTopicNote('events.raw', 'events.raw')).toBeNull();
    expect(otherTopicNote('events.replay', 'events.raw')).toMatch(
      /^The link was for a partition of events.replay, which is not the pipeline's input topic/,
    );
  });
});

describe('the pipeline watermark', () => {
  const now = '2026-12-05T10:00:10.000Z';
  it('lags behind the answer clock', () => {
    expect(pipelineLagMs({ now, pipelineWatermark: '2026-12-05T10:00:00.000Z' })).toBe(10_000);
    expect(pipelineLagMs({ now, pipelineWatermark: null })).toBeNull();
  });

  it('says which partition holds it back', () => {
    const wm = '2026-12-05T10:00:00.000Z';
    const two = [partition(), partition({ partition: 1 })];
    expect(heldBackText({ pipelineWatermark: null, heldBackBy: null, partitions: [] })).toBe(
      'No record observed yet: nothing is late.',
    );
    expect(heldBackText({ pipelineWatermark: wm, heldBackBy: 1, partitions: two })).toBe(
      'Partition 1 is the slowest of 2 active partitions: it holds the watermark back.',
    );
    expect(
      heldBackText({
        pipelineWatermark: wm,
        heldBackBy: 0,
        partitions: [partition(), partition({ partition: 1, idle: true, idleForMs: 9_000 })],
      }),
    ).toBe('Partition 0 is the only active partition.');
    expect(
      heldBackText({
        pipelineWatermark: wm,
        heldBackBy: null,
        partitions: [partition({ idle: true, idleForMs: 9_000 })],
      }),
    ).toBe('Every partition is idle: the watermark stays where the last batch left it.');
  });
});

describe('the lag chart', () => {
  const history: WatermarkHistory = {
    range: '1h',
    stepSeconds: 60,
    partitions: [0, 1],
    points: [
      { t: '2026-12-05T10:00:00.000Z', lagMs: {} },
      { t: '2026-12-05T10:01:00.000Z', lagMs: { '0': 4_000, '1': 130_000 } },
      { t: '2026-12-05T10:02:00.000Z', lagMs: { '0': 9_000 } },
    ],
  };

  it('reads the range from the URL, defaulted, and says a bad one', () => {
    expect(parseWatermarksSearch({})).toEqual({ ok: true, query: { range: '1h' } });
    expect(parseWatermarksSearch({ range: '6h', topic: 'events.raw' })).toEqual({
      ok: true,
      query: { range: '6h' },
    });
    expect(parseWatermarksSearch({ range: '2h' })).toEqual({
      ok: false,
      problems: ['Range: a range: one of 15m, 1h, 6h, 24h, 7d (not "2h").'],
      raw: { range: '2h' },
    });
  });

  it('has a row per step and a column per partition, a gap where a step has no sample', () => {
    expect(lagRows(history)).toEqual([
      { t: Date.parse('2026-12-05T10:00:00.000Z'), p0: null, p1: null },
      { t: Date.parse('2026-12-05T10:01:00.000Z'), p0: 4_000, p1: 130_000 },
      { t: Date.parse('2026-12-05T10:02:00.000Z'), p0: 9_000, p1: null },
    ]);
  });

  it('draws a line per partition, marks the one holding the watermark back and links its row', () => {
    expect(lagLines(history, 1)).toEqual([
      { partition: 0, key: 'p0', label: 'Partition 0', holdsBack: false, href: '#p-0' },
      {
        partition: 1,
        key: 'p1',
        label: 'Partition 1, holds the watermark back',
        holdsBack: true,
        href: '#p-1',
      },
    ]);
    expect(lagLines(history, null).some((line) => line.holdsBack)).toBe(false);
  });

  it('spans the range up to the answer', () => {
    const now = '2026-12-05T10:02:30.000Z';
    expect(lagAxis(history, now)).toEqual({
      fromMs: Date.parse('2026-12-05T10:00:00.000Z'),
      toMs: Date.parse(now),
    });
    expect(lagAxis({ range: '15m', points: [] }, now).fromMs).toBe(Date.parse(now) - 15 * 60_000);
  });

  it.each([
    [0, '0 s'],
    [850, '850 ms'],
    [4_000, '4 s'],
    [4_500, '4.5 s'],
    [12_500, '13 s'],
    [80_000, '80 s'],
    [130_000, '2.2 min'],
    [25 * 60_000, '25 min'],
    [90 * 60_000, '90 min'],
    [2.25 * 3_600_000, '2.3 h'],
    [36 * 3_600_000, '36 h'],
    [3 * 86_400_000, '3 d'],
  ])('an axis lag of %d ms is "%s"', (ms, text) => {
    expect(lagAxisText(ms)).toBe(text);
  });

  it('sums the chart up: the latest and the highest lag, with their partitions', () => {
    expect(lagSummary(history)).toBe('latest 9 s (partition 0), highest 2 min 10 s (partition 1)');
    expect(lagSummary({ points: [{ t: '2026-12-05T10:00:00.000Z', lagMs: {} }] })).toBe(
      'nothing sampled in the range',
    );
  });

  it('says which partitions have no line', () => {
    const rows = [partition(), partition({ partition: 1 }), partition({ partition: 2 })];
    expect(unchartedText(rows.slice(0, 2), history)).toBeNull();
    expect(unchartedText(rows, history)).toBe(
      'Partition 2 has no watermark sampled in the range, so no line.',
    );
    expect(unchartedText([...rows, partition({ partition: 3 })], history)).toBe(
      'Partitions 2 and 3 have no watermark sampled in the range, so no line.',
    );
    expect(unchartedText(rows, { partitions: [] })).toBe(
      'Partitions 0, 1 and 2 have no watermark sampled in the range, so no line.',
    );
  });
});
