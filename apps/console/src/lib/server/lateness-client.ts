import type { LatenessQuery, LatenessResponse } from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's lateness route (issue 15), for the Late events page and its poll, called as the
 * signed-in person. Server-only; failures are values (a refused filter is the processor's 400 message).
 */

/** A sum over the lateness rollups of the range: up to a week of per-minute rows. */
const LATENESS_TIMEOUT_MS = 5_000;

export function fetchLateness(
  caller: SessionClaims,
  query: LatenessQuery,
): Promise<ProcessorResult<LatenessResponse>> {
  return callApi(
    caller,
    'lateness.get',
    // On the wire a partition is digits (the route refuses an empty one rather than reading 0).
    { query: { ...query, partition: query.partition?.toString() } },
    { what: 'lateness figures', timeoutMs: LATENESS_TIMEOUT_MS },
  );
}
