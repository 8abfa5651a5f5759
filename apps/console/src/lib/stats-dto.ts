import { OUTCOMES, type StatsResponse } from '@dedup/contracts';
import { z } from 'zod';

/*
 * What the console's own `GET /api/stats` returns to the browser: the processor's stats plus the
 * derived ratios, so the client only renders. Shared by the server (to build it) and the client (to
 * parse it at its edge); keep server-only imports out of this file.
 */

const outcomeCountsSchema = z.record(z.enum(OUTCOMES), z.number().int().nonnegative());

/** A share in [0, 1], or null when its denominator is zero (nothing to divide yet). */
const ratioSchema = z.number().min(0).max(1).nullable();

export const statsDtoSchema = z.object({
  pipeline: z.string(),
  /** When the processor produced the numbers (ISO-8601, as the processor sent it). */
  generatedAt: z.string(),
  totals: outcomeCountsSchema,
  lastFiveMinutes: outcomeCountsSchema,
  /** duplicate / (unique + duplicate) over all time. */
  duplicateRatio: ratioSchema,
  /** The same over the last five minutes, which is what moves during a duplicate storm. */
  recentDuplicateRatio: ratioSchema,
});
export type StatsDto = z.infer<typeof statsDtoSchema>;

/** Why the console could not get stats from the processor. Every one is a 502 to the browser. */
export const PROCESSOR_ERROR_CODES = ['unreachable', 'timeout', 'bad-status', 'bad-body'] as const;
export type ProcessorErrorCode = (typeof PROCESSOR_ERROR_CODES)[number];

/** The body of a non-2xx answer from the console's `GET /api/stats`. */
export const statsErrorBodySchema = z.object({
  error: z.string(),
  code: z.enum(PROCESSOR_ERROR_CODES),
});
export type StatsErrorBody = z.infer<typeof statsErrorBodySchema>;

export function duplicateRatio(counts: StatsResponse['totals']): number | null {
  const seen = counts.unique + counts.duplicate;
  return seen === 0 ? null : counts.duplicate / seen;
}

export function toStatsDto(stats: StatsResponse): StatsDto {
  return {
    pipeline: stats.pipeline,
    generatedAt: stats.generatedAt,
    totals: stats.totals,
    lastFiveMinutes: stats.lastFiveMinutes,
    duplicateRatio: duplicateRatio(stats.totals),
    recentDuplicateRatio: duplicateRatio(stats.lastFiveMinutes),
  };
}
