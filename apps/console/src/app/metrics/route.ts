import { consoleMetrics } from '../../lib/server/console-metrics';

// Read at scrape time; never prerendered.
export const dynamic = 'force-dynamic';

/** `GET /metrics`: the console's Prometheus metrics (public, like the processor's /metrics). */
export async function GET(): Promise<Response> {
  const { registry } = consoleMetrics();
  return new Response(await registry.metrics(), {
    headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
  });
}
