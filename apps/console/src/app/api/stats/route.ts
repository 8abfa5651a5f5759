import type { StatsDto, StatsErrorBody } from '../../../lib/stats-dto';
import { fetchStats } from '../../../lib/server/processor-client';

// Live numbers: never prerendered at build time, never cached.
export const dynamic = 'force-dynamic';

const noStore = { 'cache-control': 'no-store' };

/** `GET /api/stats`: the browser's poll target. Any processor failure is a 502 with `{ error, code }`. */
export async function GET(): Promise<Response> {
  const result = await fetchStats();
  if (result.ok) {
    return Response.json(result.stats satisfies StatsDto, { headers: noStore });
  }
  const body: StatsErrorBody = { error: result.error.message, code: result.error.code };
  return Response.json(body, { status: 502, headers: noStore });
}
