import type { StatsDto, StatsErrorBody } from '../../../lib/stats-dto';
import { fetchStats } from '../../../lib/server/processor-client';
import { noStore, requireCaller } from '../../../lib/server/route-responses';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

/** `GET /api/stats`: the browser's poll target. Any processor failure is a 502 with `{ error, code }`. */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const result = await fetchStats(caller.value);
  if (result.ok) {
    return Response.json(result.stats satisfies StatsDto, { headers: noStore });
  }
  const body: StatsErrorBody = { error: result.error.message, code: result.error.code };
  return Response.json(body, { status: 502, headers: noStore });
}
