import { z } from 'zod';

/**
 * The console's time ranges (issue 15): each one's span and the step its charts are drawn at. A
 * range ends at the answer's `generatedAt`. The 15-minute range is drawn every 10 s from the 10-s
 * rollups; the others from the per-minute rollups, summed into fewer, wider steps.
 */
export const TIME_RANGES = {
  '15m': { spanSeconds: 15 * 60, stepSeconds: 10, label: '15 minutes' },
  '1h': { spanSeconds: 60 * 60, stepSeconds: 60, label: '1 hour' },
  '6h': { spanSeconds: 6 * 60 * 60, stepSeconds: 5 * 60, label: '6 hours' },
  '24h': { spanSeconds: 24 * 60 * 60, stepSeconds: 15 * 60, label: '24 hours' },
  '7d': { spanSeconds: 7 * 24 * 60 * 60, stepSeconds: 60 * 60, label: '7 days' },
} as const;
export type TimeRange = keyof typeof TIME_RANGES;
export const TIME_RANGE_IDS = Object.keys(TIME_RANGES) as [TimeRange, ...TimeRange[]];
export const DEFAULT_TIME_RANGE: TimeRange = '1h';

export const timeRangeSchema = z.enum(TIME_RANGE_IDS, {
  error: `a range: one of ${TIME_RANGE_IDS.join(', ')}`,
});

export function isTimeRange(value: unknown): value is TimeRange {
  return typeof value === 'string' && Object.hasOwn(TIME_RANGES, value);
}
