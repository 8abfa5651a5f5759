import { TIME_RANGES, type TimeRange } from '@dedup/contracts';

/** The steps a time range is drawn at: `count` steps of `stepMs`, the last one holding `now`. */
export interface TimeWindow {
  readonly range: TimeRange;
  readonly stepMs: number;
  /** The first step's start (epoch ms, a multiple of the step: Postgres's date_bin from the epoch agrees). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

export function timeWindow(range: TimeRange, nowMs: number, minStepSeconds = 0): TimeWindow {
  const { spanSeconds, stepSeconds } = TIME_RANGES[range];
  const stepMs = Math.max(stepSeconds, minStepSeconds) * 1000;
  const count = Math.ceil((spanSeconds * 1000) / stepMs);
  const last = Math.floor(nowMs / stepMs) * stepMs;
  return { range, stepMs, fromMs: last - (count - 1) * stepMs, toMs: nowMs, count };
}

/** The step a time (epoch ms) falls in, or -1 outside the window. */
export function stepIndex(window: TimeWindow, atMs: number): number {
  const i = Math.floor((atMs - window.fromMs) / window.stepMs);
  return i >= 0 && i < window.count ? i : -1;
}

/** Every step's start, oldest first. */
export function stepStarts(window: TimeWindow): number[] {
  return Array.from({ length: window.count }, (_, i) => window.fromMs + i * window.stepMs);
}
