import { parseExactlyOnceSearch } from '../../../lib/exactly-once-view';
import { fetchExactlyOnce } from '../../../lib/server/exactly-once-client';
import { badRequest, processorResponse, requireCaller } from '../../../lib/server/route-responses';
import { searchParamsOf } from '../../../lib/time-range-view';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

/**
 * `GET /api/exactly-once?range=1h`: the poll target of the Exactly-once page and the Overview's
 * tile; a bad range is a 400, a processor failure a 502.
 */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const search = parseExactlyOnceSearch(searchParamsOf(request.url));
  if (!search.ok) return badRequest(search.problems.join(' '));
  return processorResponse(await fetchExactlyOnce(caller.value, search.query));
}
