import type { SessionClaims } from '../../auth';
import { toStatsDto, type StatsDto } from '../stats-dto';
import { callApi, processor, type ProcessorError } from './api-client';

/*
 * The overview's stats from the processor. Server-only. Failures come back as values, never thrown,
 * so a page can render the last good numbers next to an error banner.
 */

/** Longer than this and the 2 s browser poll would pile up behind a hung processor. */
const STATS_TIMEOUT_MS = 3_000;

export type StatsResult = { ok: true; stats: StatsDto } | { ok: false; error: ProcessorError };

export async function fetchStats(caller: SessionClaims): Promise<StatsResult> {
  const result = await callApi(caller, 'stats.get', {}, { what: 'stats', timeoutMs: STATS_TIMEOUT_MS });
  if (result.ok) return { ok: true, stats: toStatsDto(result.value) };
  const { error } = result;
  // Stats take no input, so a 4xx is the processor's fault like any other bad status.
  return error.code === 'rejected'
    ? {
        ok: false,
        error: {
          code: 'bad-status',
          message: `Processor at ${processor().origin} answered HTTP ${error.status}: ${error.message}`,
        },
      }
    : { ok: false, error };
}
