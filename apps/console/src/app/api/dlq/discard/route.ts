import { dlqDiscardRequestSchema } from '@dedup/contracts';
import { discardDlq } from '../../../../lib/server/dlq-client';
import { processorResponse, readJsonBody, requireCaller } from '../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/**
 * `POST /api/dlq/discard`: the records of the selection (listed ids, or a filter such as a group's
 * fingerprint) that are open or quarantined become discarded, with the reason; `{ discarded: n }`,
 * or the processor's 4xx message (a viewer's call is refused, and logged, by the processor).
 */
export async function POST(request: Request): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const body = await readJsonBody(request, dlqDiscardRequestSchema);
  if (!body.ok) return body.response;
  return processorResponse(await discardDlq(caller.value, body.value));
}
