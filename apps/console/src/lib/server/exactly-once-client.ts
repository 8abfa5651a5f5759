import type { ExactlyOnceQuery, ExactlyOnceResponse } from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's exactly-once health route (issue 15), for the Exactly-once page, the Overview's
 * tile and their polls, called as the signed-in person. Server-only; failures are values.
 */

/** The health rollups, the durable progress, and the broker's offsets of the output topics. */
const EXACTLY_ONCE_TIMEOUT_MS = 5_000;

export function fetchExactlyOnce(
  caller: SessionClaims,
  query: ExactlyOnceQuery,
): Promise<ProcessorResult<ExactlyOnceResponse>> {
  return callApi(
    caller,
    'exactly-once.get',
    { query },
    { what: 'exactly-once health', timeoutMs: EXACTLY_ONCE_TIMEOUT_MS },
  );
}
