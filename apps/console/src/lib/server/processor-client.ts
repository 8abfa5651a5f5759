import { statsResponseSchema } from '@dedup/contracts';
import { toStatsDto, type StatsDto } from '../stats-dto';
import { config } from './config';
import { callProcessor, processorEndpoint, type ProcessorError } from './processor-http';

/*
 * The console's only way to the processor (this file and backfill-client.ts, both through
 * processor-http.ts). Server-only (it reads the config). Failures come back as values, never thrown,
 * so a page can render the last good numbers next to an error banner.
 */

export type { ProcessorError, ProcessorRejection, ProcessorResult } from './processor-http';

/** The configured processor, credentials split off once (see processorEndpoint). */
export const processor = processorEndpoint(config.processorUrl);

/** Longer than this and the 2 s browser poll would pile up behind a hung processor. */
const STATS_TIMEOUT_MS = 3_000;

export type StatsResult = { ok: true; stats: StatsDto } | { ok: false; error: ProcessorError };

export async function fetchStats(): Promise<StatsResult> {
  const result = await callProcessor(processor, {
    method: 'GET',
    path: '/api/stats',
    what: 'stats',
    schema: statsResponseSchema,
    timeoutMs: STATS_TIMEOUT_MS,
  });
  if (result.ok) return { ok: true, stats: toStatsDto(result.value) };
  const { error } = result;
  // Stats take no input, so a 4xx is the processor's fault like any other bad status.
  return error.code === 'rejected'
    ? {
        ok: false,
        error: {
          code: 'bad-status',
          message: `Processor at ${processor.origin} answered HTTP ${error.status}`,
        },
      }
    : { ok: false, error };
}
