import { z } from 'zod';
import { timeRangeSchema } from './time-range';

/**
 * `GET /api/exactly-once` (issue 15, part 5): is exactly-once output healthy. Kafka transactions
 * committed and aborted per step, producer fencing and consumer rebalances (sampled by every
 * processor instance every 10 s into per-minute health rows), and now: how far each output
 * partition's last stable offset trails its end (open transactions hold read_committed readers
 * back) and how long since each input partition's last committed batch.
 */

export const exactlyOnceQuerySchema = z.strictObject({
  range: timeRangeSchema.default('1h'),
});
export type ExactlyOnceQuery = z.infer<typeof exactlyOnceQuerySchema>;

const count = z.number().int().nonnegative();

export const exactlyOncePointSchema = z.object({
  t: z.string(),
  committed: count,
  aborted: count,
  fenced: count,
  rebalances: count,
});

export const exactlyOnceResponseSchema = z.object({
  pipeline: z.string(),
  range: timeRangeSchema,
  stepSeconds: z.number().int().positive(),
  from: z.string(),
  to: z.string(),
  /** `exactly_once` or `at_least_once`: with the latter there are no transactions to count. */
  guarantee: z.string(),
  points: z.array(exactlyOncePointSchema),
  totals: z.object({ committed: count, aborted: count, fenced: count, rebalances: count }),
  /** aborted / (committed + aborted) over the range; null without transactions. */
  abortRatio: z.number().min(0).max(1).nullable(),
  /** The output topics' partitions now: end offset − last stable offset (records read_committed readers can't see yet). */
  outputs: z.array(
    z.object({
      topic: z.string(),
      partition: z.number().int().nonnegative(),
      lastStableOffsetLag: count,
    }),
  ),
  /** The input partitions now: seconds since the last batch was committed (from the durable progress). */
  inputs: z.array(
    z.object({
      partition: z.number().int().nonnegative(),
      lastCommitAt: z.string().nullable(),
      secondsSinceCommit: z.number().nonnegative().nullable(),
    }),
  ),
  /** Error text when the output topics could not be read (the rest of the answer stands). */
  outputsError: z.string().nullable(),
  generatedAt: z.string(),
});
export type ExactlyOnceResponse = z.infer<typeof exactlyOnceResponseSchema>;
