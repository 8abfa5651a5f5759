import {
  advanceWatermark,
  computeWatermark,
  EMPTY_WATERMARK_SNAPSHOT,
  WatermarkTracker,
  type WatermarkSnapshot,
} from './watermark';

/** The batch tracker's start-of-batch recomputation (issue 17); the rules are in docs/semantics.md. */
describe('WatermarkTracker', () => {
  const semantics = { maxOutOfOrdernessMs: 5_000, idleTimeoutMs: 5_000 };
  const T = Date.UTC(2026, 0, 1, 12, 0);
  // Partition 1 sent one record at wall clock 0; partition 0 sent records up to T until 2 s.
  const issue17: WatermarkSnapshot = {
    partitions: [
      { partition: 0, maxEventTime: T, lastActivityAt: 2_000 },
      { partition: 1, maxEventTime: T - 600_000, lastActivityAt: 0 },
    ],
    pipelineWatermark: T - 605_000,
  };

  it('recomputes at the batch time before any record: a partition idle by then stops holding it back', () => {
    // Only partition 0 active at 6 s: its watermark. Both idle at 15 s: the maximum, the same here.
    expect(new WatermarkTracker(issue17, semantics, 6_000).pipelineWatermark).toBe(T - 5_000);
    expect(new WatermarkTracker(issue17, semantics, 15_000).startWatermark).toBe(T - 5_000);
    expect(new WatermarkTracker(issue17, semantics, 15_000).snapshot()).toEqual({
      ...issue17,
      pipelineWatermark: T - 5_000,
    });
  });

  it('keeps the snapshot watermark while every partition is within the idle timeout', () => {
    const tracker = new WatermarkTracker(issue17, semantics, 5_000);
    expect(tracker.startWatermark).toBe(T - 605_000);
    expect(tracker.snapshot()).toEqual(issue17);
  });

  it('never moves backwards at the start of a batch', () => {
    const ahead = { ...issue17, pipelineWatermark: T + 1_000 };
    expect(new WatermarkTracker(ahead, semantics, 15_000).startWatermark).toBe(T + 1_000);
  });

  it('a partition observed again counts again, but cannot pull the started watermark back', () => {
    const tracker = new WatermarkTracker(issue17, semantics, 6_000);
    tracker.observe(1, T - 599_000);
    expect(computeWatermark(tracker.snapshot().partitions, 6_000, semantics)).toBe(T - 604_000);
    expect(tracker.pipelineWatermark).toBe(T - 5_000);
    expect(tracker.startWatermark).toBe(T - 5_000);
    expect(tracker.snapshot().partitions[1]).toEqual({
      partition: 1,
      maxEventTime: T - 599_000,
      lastActivityAt: 6_000,
    });
  });

  it('has no watermark before the first record, whatever the time', () => {
    const tracker = new WatermarkTracker(EMPTY_WATERMARK_SNAPSHOT, semantics, 1e12);
    expect(tracker.startWatermark).toBeNull();
    tracker.observe(0, 1_000);
    expect(tracker.pipelineWatermark).toBe(-4_000);
  });

  it('refuses a snapshot that lists a partition twice', () => {
    const twice = { partitions: [issue17.partitions[0]!, issue17.partitions[0]!], pipelineWatermark: null };
    expect(() => new WatermarkTracker(twice, semantics, 0)).toThrow('partition 0 twice');
  });
});

describe('advanceWatermark', () => {
  it('is max(previous, computed), null meaning none yet', () => {
    expect(advanceWatermark(null, null)).toBeNull();
    expect(advanceWatermark(null, 5)).toBe(5);
    expect(advanceWatermark(5, null)).toBe(5);
    expect(advanceWatermark(5, 3)).toBe(5);
    expect(advanceWatermark(5, 7)).toBe(7);
  });
});
