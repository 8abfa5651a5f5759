import { z } from 'zod';
import { OUTCOMES } from './outcome';

const outcomeCounts = z.object(
  Object.fromEntries(OUTCOMES.map((o) => [o, z.number().int().nonnegative()])) as Record<
    (typeof OUTCOMES)[number],
    z.ZodNumber
  >,
);

/** `GET /api/stats`: durable counts by outcome (from Postgres rollups, so they survive restarts). */
export const statsResponseSchema = z.object({
  pipeline: z.string(),
  totals: outcomeCounts,
  /** Counts in the last five minutes, for a rate that moves while traffic flows. */
  lastFiveMinutes: outcomeCounts,
  generatedAt: z.string(),
});
export type StatsResponse = z.infer<typeof statsResponseSchema>;
export type OutcomeCounts = z.infer<typeof outcomeCounts>;

/** Every outcome at 0: the start of a count. */
export function zeroOutcomeCounts(): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}
