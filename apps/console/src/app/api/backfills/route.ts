import { createBackfillRequestSchema } from '@dedup/contracts';
import { createBackfill, listBackfills } from '../../../lib/server/backfill-client';
import { processorResponse, readJsonBody, requireCaller } from '../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `GET /api/backfills`: the browser's poll target, newest first. */
export async function GET(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'read');
  if (!caller.ok) return caller.response;
  return processorResponse(await listBackfills(caller.value));
}

/** `POST /api/backfills`: starts a job; 201 with it, or the processor's 4xx message. */
export async function POST(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const body = await readJsonBody(request, createBackfillRequestSchema);
  if (!body.ok) return body.response;
  return processorResponse(await createBackfill(caller.value, body.value));
}
