import { parseLatenessSearch } from '../../../lib/lateness-view';
import { fetchLateness } from '../../../lib/server/lateness-client';
import { badRequest, processorResponse, requireCaller } from '../../../lib/server/route-responses';
import { searchParamsOf } from '../../../lib/time-range-view';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

/**
 * `GET /api/lateness?range=1h&topic=…&partition=…`: the Late events page's poll target; a bad filter
 * is a 400, a processor failure a 502.
 */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const search = parseLatenessSearch(searchParamsOf(request.url));
  if (!search.ok) return badRequest(search.problems.join(' '));
  return processorResponse(await fetchLateness(caller.value, search.query));
}
