import type { OverviewQuery, OverviewResponse } from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's overview route (issue 15), for the Overview page and its poll, called as the
 * signed-in person. Server-only; failures are values.
 */

/** Reads of the per-step rollups and the health samples only (never the audit rows). */
const OVERVIEW_TIMEOUT_MS = 5_000;

export function fetchOverview(
  caller: SessionClaims,
  query: OverviewQuery,
): Promise<ProcessorResult<OverviewResponse>> {
  return callApi(caller, 'overview.get', { query }, { what: 'overview', timeoutMs: OVERVIEW_TIMEOUT_MS });
}
