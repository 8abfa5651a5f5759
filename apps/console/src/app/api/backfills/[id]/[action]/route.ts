import { BACKFILL_ACTIONS, type BackfillAction } from '@dedup/contracts';
import { runBackfillAction } from '../../../../../lib/server/backfill-client';
import { notFound, processorResponse, requireCaller } from '../../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `POST /api/backfills/:id/{pause,resume,cancel}`: the updated job, or the processor's 409 message. */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; action: string }> },
): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const { id, action } = await params;
  if (!isBackfillAction(action)) {
    return notFound(`Unknown backfill action "${action}": one of ${BACKFILL_ACTIONS.join(', ')}`);
  }
  return processorResponse(await runBackfillAction(caller.value, id, action));
}

function isBackfillAction(action: string): action is BackfillAction {
  return (BACKFILL_ACTIONS as readonly string[]).includes(action);
}
