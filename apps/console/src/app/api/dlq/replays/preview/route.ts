import { replayPreviewRequestSchema } from '@dedup/contracts';
import { previewReplay } from '../../../../../lib/server/dlq-client';
import { processorResponse, readJsonBody, requireCaller } from '../../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/**
 * `POST /api/dlq/replays/preview`: the dry run of a replay (the processor logs it as one): the exact
 * count, a sample, the scope in words and the token that starts that set; replays nothing.
 */
export async function POST(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const body = await readJsonBody(request, replayPreviewRequestSchema);
  if (!body.ok) return body.response;
  return processorResponse(await previewReplay(caller.value, body.value));
}
