import { replayStartRequestSchema } from '@dedup/contracts';
import { listReplays, startReplay } from '../../../../lib/server/dlq-client';
import { processorResponse, readJsonBody, requireCaller } from '../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `GET /api/dlq/replays`: the replay runs, newest first; the DLQ page's poll target. */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  return processorResponse(await listReplays(caller.value));
}

/**
 * `POST /api/dlq/replays { token }`: starts exactly the set a preview described; 201 with the run, or
 * the processor's message (409 when the set changed since, or the preview was used, expired or empty).
 */
export async function POST(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const body = await readJsonBody(request, replayStartRequestSchema);
  if (!body.ok) return body.response;
  return processorResponse(await startReplay(caller.value, body.value.token));
}
