import { parseOverviewSearch } from '../../../lib/overview-view';
import { fetchOverview } from '../../../lib/server/overview-client';
import { badRequest, processorResponse, requireCaller } from '../../../lib/server/route-responses';
import { searchParamsOf } from '../../../lib/time-range-view';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

/** `GET /api/overview?range=1h`: the Overview's poll target; a bad range is a 400, a processor failure a 502. */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const search = parseOverviewSearch(searchParamsOf(request.url));
  if (!search.ok) return badRequest(search.problems.join(' '));
  return processorResponse(await fetchOverview(caller.value, search.query));
}
