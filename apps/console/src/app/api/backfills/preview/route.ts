import { createBackfillRequestSchema } from '@dedup/contracts';
import { previewBackfill } from '../../../../lib/server/backfill-client';
import { processorResponse, readJsonBody, requireCaller } from '../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `POST /api/backfills/preview`: the job a request would create, with its partitions; creates nothing. */
export async function POST(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const body = await readJsonBody(request, createBackfillRequestSchema);
  if (!body.ok) return body.response;
  return processorResponse(await previewBackfill(caller.value, body.value));
}
