import { getBackfill } from '../../../../lib/server/backfill-client';
import { processorResponse, requireCaller } from '../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `GET /api/backfills/:id`: one job; the processor's 404 passes through. */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  const { id } = await params;
  return processorResponse(await getBackfill(caller.value, id));
}
