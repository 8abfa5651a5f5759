import type { WatermarksResponse } from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's watermarks route (issue 15), for the Watermarks page and its poll, called as the
 * signed-in person. Server-only; failures are values.
 */

/** Two small reads of Postgres and one of the broker's end offsets. */
const WATERMARKS_TIMEOUT_MS = 5_000;

export function fetchWatermarks(caller: SessionClaims): Promise<ProcessorResult<WatermarksResponse>> {
  // The route's history range defaults (1 h); the page shows the current watermarks only.
  return callApi(
    caller,
    'watermarks.get',
    { query: {} },
    { what: 'watermarks', timeoutMs: WATERMARKS_TIMEOUT_MS },
  );
}
