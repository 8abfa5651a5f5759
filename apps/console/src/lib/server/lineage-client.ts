import type { LineageQuery, LineageResponse } from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's lineage route (issue 15), for the lineage page, called as the signed-in person:
 * by event id, by dedup key or by a record's coordinates (one of them; the page checked the query
 * with the route's schema already). Server-only. Answers a ProcessorResult: the occurrences, the
 * processor's 400 message for a search it refused, or a failure to reach or understand it.
 */

/** Two index lookups on the audit and the DLQ and replay joins: a read, but not a trivial one. */
const LINEAGE_TIMEOUT_MS = 5_000;

export function searchLineage(
  caller: SessionClaims,
  query: LineageQuery,
): Promise<ProcessorResult<LineageResponse>> {
  return callApi(caller, 'lineage.search', { query }, { what: 'lineage', timeoutMs: LINEAGE_TIMEOUT_MS });
}
