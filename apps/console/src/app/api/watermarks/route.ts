import { fetchWatermarks } from '../../../lib/server/watermarks-client';
import { processorResponse, requireCaller } from '../../../lib/server/route-responses';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

/** `GET /api/watermarks`: the Watermarks page's poll target; a processor failure is a 502. */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  return processorResponse(await fetchWatermarks(caller.value));
}
