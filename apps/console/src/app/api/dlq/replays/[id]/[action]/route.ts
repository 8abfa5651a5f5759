import { REPLAY_ACTIONS, type ReplayAction } from '@dedup/contracts';
import { runReplayAction } from '../../../../../../lib/server/dlq-client';
import { notFound, processorResponse, requireCaller } from '../../../../../../lib/server/route-responses';

export const dynamic = 'force-dynamic';

/** `POST /api/dlq/replays/:id/{pause,resume,cancel}`: the updated run, or the processor's 409 message. */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; action: string }> },
): Promise<Response> {
  const caller = await requireCaller(request, 'mutation');
  if (!caller.ok) return caller.response;
  const { id, action } = await params;
  if (!isReplayAction(action)) {
    return notFound(`Unknown replay action "${action}": one of ${REPLAY_ACTIONS.join(', ')}`);
  }
  return processorResponse(await runReplayAction(caller.value, id, action));
}

function isReplayAction(action: string): action is ReplayAction {
  return (REPLAY_ACTIONS as readonly string[]).includes(action);
}
