import { z } from 'zod';
import { timeRangeSchema } from './time-range';

/**
 * `GET /api/lateness` (issue 15, part 3): how late records arrive relative to the pipeline
 * watermark, over a range, with advice on the allowed lateness. From the lateness rollups written in
 * each batch's transaction (every valid record behind the watermark, in log-spaced buckets 2^(1/16)
 * apart: a percentile read from them is within 4.5 % of the exact one).
 *
 * A record's lateness is how far its event time is behind the pipeline watermark when it is decided
 * (0, and not counted here, when ahead of it). Records within the allowed lateness are decided
 * normally; beyond it they are `late` and go to the late topic (docs/semantics.md).
 */

export const latenessQuerySchema = z.strictObject({
  range: timeRangeSchema.default('1h'),
  topic: z.string().min(1).max(249, 'a topic name: at most 249 characters').optional(),
  // Digits only: `z.coerce` would read an empty `?partition=` as partition 0.
  partition: z
    .string()
    .regex(/^\d{1,7}$/, 'a partition: a whole number, 0 or more')
    .transform(Number)
    .optional(),
});
export type LatenessQuery = z.infer<typeof latenessQuerySchema>;

const ms = z.number().nonnegative();
const count = z.number().int().nonnegative();

export const latenessPercentilesSchema = z.object({
  p50: ms,
  p90: ms,
  p99: ms,
  p999: ms,
});
export type LatenessPercentiles = z.infer<typeof latenessPercentilesSchema>;

export const latenessBucketSchema = z.object({
  /** Lateness above this (ms) … */
  fromMs: ms,
  /** … up to and including this (ms). */
  toMs: ms,
  /** Records decided normally (within the allowed lateness). */
  kept: count,
  /** Records beyond the allowed lateness (`late`). */
  late: count,
});

export const latenessAdviceSchema = z.object({
  /** The share of the late records this allowed lateness would have kept (0.99, 0.999). */
  keep: z.number().min(0).max(1),
  /** The allowed lateness that would have kept that share, ms; never below the current one. */
  allowedLatenessMs: ms,
  /** Late records in the range it would have kept. */
  wouldKeep: count,
  /** Extra dedup state that choice costs: rows held longer (unique key rate × the extra lateness), and bytes. */
  extraStateRows: count,
  extraStateBytes: count,
});
export type LatenessAdvice = z.infer<typeof latenessAdviceSchema>;

export const latenessResponseSchema = z.object({
  pipeline: z.string(),
  range: timeRangeSchema,
  from: z.string(),
  to: z.string(),
  topic: z.string().nullable(),
  partition: z.number().int().nonnegative().nullable(),
  /** The input partitions that have lateness rows in the range, for the filter. */
  partitions: z.array(z.object({ topic: z.string(), partition: z.number().int().nonnegative() })),
  allowedLatenessMs: ms,
  /** Valid records decided in the range (unique + duplicate + late), for the rates. */
  decided: count,
  /** Records that arrived behind the watermark (kept or late). */
  behind: count,
  /** Records beyond the allowed lateness. */
  late: count,
  /** late / decided; null when nothing was decided. */
  lateRate: z.number().min(0).max(1).nullable(),
  /** Of every record behind the watermark; null when none was. */
  percentiles: latenessPercentilesSchema.nullable(),
  /** Of the late records only; null when none was late. */
  latePercentiles: latenessPercentilesSchema.nullable(),
  /** Non-empty buckets only, ascending. */
  histogram: z.array(latenessBucketSchema),
  /** New keys per second over the range (unique records × keys per record), and a state row's size. */
  keyRatePerSecond: z.number().nonnegative(),
  bytesPerStateRow: count,
  /** For 99 % and 99.9 % of the late records; empty when none was late. */
  advice: z.array(latenessAdviceSchema),
  generatedAt: z.string(),
});
export type LatenessResponse = z.infer<typeof latenessResponseSchema>;
