import { getReplay } from '../../../../../lib/server/dlq-client';
import { processorResponse, requireCaller } from '../../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `GET /api/dlq/replays/:id`: one run; the processor's 400 and 404 pass through. */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const { id } = await params;
  return processorResponse(await getReplay(caller.value, id));
}
