import { statsResponseSchema } from '@dedup/contracts';
import { z } from 'zod';
import { toStatsDto, type ProcessorErrorCode, type StatsDto } from '../stats-dto';
import { config } from './config';

/*
 * The console's only way to the processor. Server-only (it reads the config). Failures come back as
 * values, never thrown, so a page can render the last good numbers next to an error banner.
 */

/** Longer than this and the 2 s browser poll would pile up behind a hung processor. */
const STATS_TIMEOUT_MS = 3_000;

export interface ProcessorError {
  readonly code: ProcessorErrorCode;
  /** Safe to show to an operator: names the processor origin, never credentials. */
  readonly message: string;
}

export type StatsResult = { ok: true; stats: StatsDto } | { ok: false; error: ProcessorError };

/** Origin only: drops any user:password@ from the configured URL before it reaches a message. */
const processorOrigin = new URL(config.processorUrl).origin;

export async function fetchStats(): Promise<StatsResult> {
  const url = `${config.processorUrl}/api/stats`;
  try {
    const response = await fetch(url, {
      cache: 'no-store',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(STATS_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return failure('bad-status', `Processor at ${processorOrigin} answered HTTP ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (err) {
      if (isTimeout(err)) throw err;
      return failure('bad-body', `Processor at ${processorOrigin} sent stats that are not JSON`);
    }
    const parsed = statsResponseSchema.safeParse(body);
    if (!parsed.success) {
      return failure(
        'bad-body',
        `Processor at ${processorOrigin} sent stats that break the contract: ${z.prettifyError(parsed.error)}`,
      );
    }
    return { ok: true, stats: toStatsDto(parsed.data) };
  } catch (err) {
    if (isTimeout(err)) {
      return failure(
        'timeout',
        `Processor at ${processorOrigin} did not answer within ${STATS_TIMEOUT_MS} ms`,
      );
    }
    return failure('unreachable', `Processor at ${processorOrigin} is unreachable (${networkCause(err)})`);
  }
}

function failure(code: ProcessorErrorCode, message: string): StatsResult {
  return { ok: false, error: { code, message } };
}

function isTimeout(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'TimeoutError';
}

/** undici wraps the socket error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`. */
function networkCause(err: unknown): string {
  if (err instanceof Error) {
    const cause: unknown = err.cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
      return cause.code;
    }
    return err.message;
  }
  return String(err);
}
