import { getBackfill } from '../../../../lib/server/backfill-client';
import { processorResponse } from '../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `GET /api/backfills/:id`: one job; the processor's 404 passes through. */
export async function GET(
  _request: Request,
  { params }: { params: Promise<{ id: string }> },
): Promise<Response> {
  const { id } = await params;
  return processorResponse(await getBackfill(id));
}
