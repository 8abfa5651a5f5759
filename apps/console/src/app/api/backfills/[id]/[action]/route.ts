import { BACKFILL_ACTIONS, type BackfillAction } from '@dedup/contracts';
import { runBackfillAction } from '../../../../../lib/server/backfill-client';
import { notFound, processorResponse, readActor } from '../../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `POST /api/backfills/:id/{pause,resume,cancel}`: the updated job, or the processor's 409 message. */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; action: string }> },
): Promise<Response> {
  const { id, action } = await params;
  if (!isBackfillAction(action)) {
    return notFound(`Unknown backfill action "${action}": one of ${BACKFILL_ACTIONS.join(', ')}`);
  }
  const actor = readActor(request);
  if (!actor.ok) return actor.response;
  return processorResponse(await runBackfillAction(id, action, actor.value));
}

function isBackfillAction(action: string): action is BackfillAction {
  return (BACKFILL_ACTIONS as readonly string[]).includes(action);
}
