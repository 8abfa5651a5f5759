import type { WatermarksQuery, WatermarksResponse } from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's watermarks route (issue 15), for the Watermarks page, the Overview's partitions
 * and their polls, called as the signed-in person. Server-only; failures are values.
 */

/**
 * Two reads of Postgres (the watermarks; the lag history, at most a week of per-minute rows per
 * partition) and one of the broker's end offsets.
 */
const WATERMARKS_TIMEOUT_MS = 5_000;

/** The current watermarks, and each partition's lag over `query.range` (the page's chart). */
export function fetchWatermarks(
  caller: SessionClaims,
  query: WatermarksQuery,
): Promise<ProcessorResult<WatermarksResponse>> {
  return callApi(
    caller,
    'watermarks.get',
    { query },
    { what: 'watermarks', timeoutMs: WATERMARKS_TIMEOUT_MS },
  );
}
