import { createBackfillRequestSchema } from '@dedup/contracts';
import { createBackfill, listBackfills } from '../../../lib/server/backfill-client';
import { processorResponse, readActor, readJsonBody } from '../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `GET /api/backfills`: the browser's poll target, newest first. */
export async function GET(): Promise<Response> {
  return processorResponse(await listBackfills());
}

/** `POST /api/backfills`: starts a job; 201 with it, or the processor's 4xx message. */
export async function POST(request: Request): Promise<Response> {
  const actor = readActor(request);
  if (!actor.ok) return actor.response;
  const body = await readJsonBody(request, createBackfillRequestSchema);
  if (!body.ok) return body.response;
  return processorResponse(await createBackfill(body.value, actor.value));
}
