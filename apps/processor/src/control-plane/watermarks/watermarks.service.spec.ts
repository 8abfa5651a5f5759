import { describe, expect, it } from '@jest/globals';
import type { StoredPartition } from './watermarks.repository';
import { watermarksView, type WatermarksViewInput } from './watermarks.service';

const NOW = Date.parse('2026-12-05T12:00:00.000Z');
const semantics = { maxOutOfOrdernessMs: 5_000, idleTimeoutMs: 30_000 };

const stored = (partition: number, maxEventTime: number, lastActivityAt: number, lastOffset: string) =>
  ({ partition, maxEventTime, lastActivityAt, lastOffset }) satisfies StoredPartition;

const view = (over: Partial<WatermarksViewInput> = {}) =>
  watermarksView({
    pipeline: 'orders',
    topic: 'events.raw',
    now: NOW,
    semantics,
    stored: { partitions: [], pipelineWatermark: null },
    endOffsets: new Map(),
    instance: 'dedup-processor@host/1',
    isOwned: () => false,
    ...over,
  });

describe('watermarksView', () => {
  it('lists the partitions Kafka has without rows, idle and never seen', () => {
    const w = view({ endOffsets: new Map([[0, { low: 0n, high: 3n }]]) });
    expect(w.heldBackBy).toBeNull();
    expect(w.pipelineWatermark).toBeNull();
    expect(w.partitions).toEqual([
      {
        partition: 0,
        watermark: null,
        maxEventTime: null,
        eventTimeLagMs: null,
        lastRecordAt: null,
        idle: true,
        idleForMs: null,
        committedOffset: null,
        endOffset: '3',
        recordsBehind: 3,
        owner: null,
      },
    ]);
  });

  it('applies the watermark rules: the slowest active partition holds the pipeline back', () => {
    const w = view({
      stored: {
        partitions: [
          stored(0, NOW - 1_000, NOW - 2_000, '9'),
          stored(1, NOW - 60_000, NOW - 30_000, '4'), // exactly the idle timeout: still active
          stored(2, NOW - 120_000, NOW - 30_001, '7'), // idle: holds nothing back
        ],
        pipelineWatermark: NOW - 65_000,
      },
      endOffsets: new Map([
        [0, { low: 0n, high: 12n }],
        [1, { low: 0n, high: 5n }],
        [2, { low: 0n, high: 8n }],
      ]),
      isOwned: (p) => p === 1,
    });
    expect(w.heldBackBy).toBe(1);
    expect(w.pipelineWatermark).toBe('2026-12-05T11:58:55.000Z');
    const [p0, p1, p2] = w.partitions;
    expect(p0).toMatchObject({
      watermark: '2026-12-05T11:59:54.000Z',
      eventTimeLagMs: 6_000,
      recordsBehind: 2,
    });
    expect(p1).toMatchObject({
      idle: false,
      idleForMs: null,
      eventTimeLagMs: 65_000,
      recordsBehind: 0,
      owner: { instance: 'dedup-processor@host/1', thisInstance: true },
    });
    expect(p2).toMatchObject({ idle: true, idleForMs: 30_001, owner: null });
  });

  it('breaks a tie by the lower partition, and finds no holder when every partition is idle', () => {
    const tie = view({
      stored: {
        partitions: [stored(3, NOW, NOW, '0'), stored(1, NOW, NOW, '0')],
        pipelineWatermark: NOW - 5_000,
      },
    });
    expect(tie.heldBackBy).toBe(1);
    expect(tie.partitions.map((p) => p.partition)).toEqual([1, 3]);
    const idle = view({
      stored: { partitions: [stored(0, NOW, NOW - 60_000, '0')], pipelineWatermark: NOW - 5_000 },
    });
    expect(idle.heldBackBy).toBeNull();
    expect(idle.partitions[0]?.idleForMs).toBe(60_000);
  });

  it('names no holder when the slowest active partition is behind a pipeline watermark that moved past it', () => {
    // Every partition was idle, the watermark jumped to NOW − 5 s; partition 4 resumed far behind.
    const resumed = view({
      stored: {
        partitions: [stored(0, NOW, NOW - 60_000, '0'), stored(4, NOW - 600_000, NOW, '0')],
        pipelineWatermark: NOW - 5_000,
      },
    });
    expect(resumed.heldBackBy).toBeNull();
    expect(resumed.partitions.find((p) => p.partition === 4)?.idle).toBe(false);
  });

  it('counts records behind from what Kafka still has, and says unknown without Kafka', () => {
    const retained = view({
      stored: { partitions: [stored(0, NOW, NOW, '9')], pipelineWatermark: null },
      endOffsets: new Map([[0, { low: 100n, high: 150n }]]),
    });
    expect(retained.partitions[0]?.recordsBehind).toBe(50);
    const blind = view({
      stored: { partitions: [stored(0, NOW, NOW, '9')], pipelineWatermark: null },
      endOffsets: null,
    });
    expect(blind.partitions[0]).toMatchObject({ endOffset: null, recordsBehind: null, committedOffset: '9' });
  });
});
