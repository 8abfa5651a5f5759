import { badRequest, processorResponse, requireCaller } from '../../../lib/server/route-responses';
import { fetchWatermarks } from '../../../lib/server/watermarks-client';
import { searchParamsOf } from '../../../lib/time-range-view';
import { parseWatermarksSearch } from '../../../lib/watermarks-view';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

/**
 * `GET /api/watermarks?range=1h`: the poll target of the Watermarks page (the lag chart over the
 * range) and of the Overview's partitions (`?range=15m`, the smallest history); a bad range is a
 * 400, a processor failure a 502.
 */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const search = parseWatermarksSearch(searchParamsOf(request.url));
  if (!search.ok) return badRequest(search.problems.join(' '));
  return processorResponse(await fetchWatermarks(caller.value, search.query));
}
