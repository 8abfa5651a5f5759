import { z } from 'zod';
import { OUTCOMES } from './outcome';
import { timeRangeSchema } from './time-range';

/**
 * `GET /api/overview` (issue 15, part 1): the live overview, from rollup tables only (never the
 * audit rows): outcome counts per step, throughput, duplicate ratio, end-to-end latency p50/p99,
 * consumer lag and the DLQ's open count and oldest age.
 *
 * Where each figure comes from: outcome counts are written in the batch's own Postgres transaction
 * (exact, once per record); latency, consumer lag and DLQ figures are sampled by every processor
 * instance every 10 s into per-minute health rows (a crash loses at most its last 10 s of samples).
 */

const count = z.number().int().nonnegative();
const outcomeCounts = z.object(
  Object.fromEntries(OUTCOMES.map((o) => [o, count])) as Record<(typeof OUTCOMES)[number], typeof count>,
);

export const overviewQuerySchema = z.strictObject({
  range: timeRangeSchema.default('1h'),
});
export type OverviewQuery = z.infer<typeof overviewQuerySchema>;

export const overviewPointSchema = z.object({
  /** The step's start (ISO 8601); the step is `stepSeconds` long. */
  t: z.string(),
  counts: outcomeCounts,
  /** Decided records per second over the step. */
  throughputPerSecond: z.number().nonnegative(),
  /** duplicate / (unique + duplicate); null when neither happened. */
  duplicateRatio: z.number().min(0).max(1).nullable(),
  /** End-to-end latency (record timestamp → output committed), from the sampled histograms; null without samples. */
  latencyP50Ms: z.number().nonnegative().nullable(),
  latencyP99Ms: z.number().nonnegative().nullable(),
  /** Records behind in the input partitions (the largest sampled sum over instances in the step). */
  consumerLag: count.nullable(),
  /** Open DLQ records (largest sample in the step). */
  dlqOpen: count.nullable(),
  /** Age of the oldest open DLQ record, seconds (largest sample in the step). */
  dlqOldestAgeSeconds: z.number().nonnegative().nullable(),
});
export type OverviewPoint = z.infer<typeof overviewPointSchema>;

export const overviewResponseSchema = z.object({
  pipeline: z.string(),
  range: timeRangeSchema,
  stepSeconds: z.number().int().positive(),
  /** The first step's start and the range's end. */
  from: z.string(),
  to: z.string(),
  /** Oldest first, one point per step, steps without traffic included (zero counts, null samples). */
  points: z.array(overviewPointSchema),
  /** Sums over the range. */
  totals: outcomeCounts,
  /**
   * Now: consumer lag from the instances' latest samples (each within 30 s; null without one), the
   * DLQ's open count and oldest age read at the answer (null age when none is open).
   */
  current: z.object({
    consumerLag: count.nullable(),
    dlqOpen: count.nullable(),
    dlqOldestAgeSeconds: z.number().nonnegative().nullable(),
    /** When the newest health sample was taken. */
    sampledAt: z.string().nullable(),
  }),
  generatedAt: z.string(),
});
export type OverviewResponse = z.infer<typeof overviewResponseSchema>;
