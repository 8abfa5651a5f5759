import type {
  DlqDiscardRequest,
  DlqDiscardResponse,
  DlqGroupsResponse,
  DlqListQuery,
  DlqListResponse,
  DlqRecord,
  DlqStatus,
  ReplayAction,
  ReplayListResponse,
  ReplayPreview,
  ReplayPreviewRequest,
  ReplayRun,
} from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's DLQ triage and replay routes (docs/dlq.md, docs/adr/0009), for the DLQ page, the
 * overview and the console's DLQ route handlers, called as the signed-in person. Server-only. Every function answers a
 * ProcessorResult: an answer that passed the contract, a rejection carrying the processor's 4xx
 * message, or a failure to reach or understand it.
 */

/** The groups aggregate over every record in a status (with a 24 h sparkline each): a read, but not a point one. */
const READ_TIMEOUT_MS = 5_000;
/** A discard by filter updates every matching row in one transaction. */
const DISCARD_TIMEOUT_MS = 15_000;
/** The replay runs list sits under the 2 s browser poll, like the backfills. */
const POLL_TIMEOUT_MS = 3_000;
/**
 * A preview writes the whole selected set as run items; a start moves every record of it to
 * `replaying`, in one transaction each.
 */
const REPLAY_PLAN_TIMEOUT_MS = 15_000;
/** Pause, resume and cancel are one run update (cancel also reopens the records not sent). */
const REPLAY_ACTION_TIMEOUT_MS = 10_000;

export function dlqGroups(
  caller: SessionClaims,
  status: DlqStatus,
): Promise<ProcessorResult<DlqGroupsResponse>> {
  return callApi(
    caller,
    'dlq.groups',
    { query: { status } },
    { what: 'DLQ groups', timeoutMs: READ_TIMEOUT_MS },
  );
}

export function listDlq(
  caller: SessionClaims,
  query: DlqListQuery,
): Promise<ProcessorResult<DlqListResponse>> {
  return callApi(caller, 'dlq.list', { query }, { what: 'DLQ records', timeoutMs: READ_TIMEOUT_MS });
}

export function getDlqRecord(caller: SessionClaims, id: string): Promise<ProcessorResult<DlqRecord>> {
  return callApi(
    caller,
    'dlq.get',
    { params: { id } },
    { what: 'DLQ record details', timeoutMs: READ_TIMEOUT_MS },
  );
}

export function discardDlq(
  caller: SessionClaims,
  request: DlqDiscardRequest,
): Promise<ProcessorResult<DlqDiscardResponse>> {
  return callApi(
    caller,
    'dlq.discard',
    { body: request },
    {
      what: 'the discard result',
      timeoutMs: DISCARD_TIMEOUT_MS,
      timeoutHint: 'the records may still have been discarded: reload the page and check before retrying',
    },
  );
}

export function listReplays(caller: SessionClaims): Promise<ProcessorResult<ReplayListResponse>> {
  return callApi(caller, 'replays.list', {}, { what: 'replay runs', timeoutMs: POLL_TIMEOUT_MS });
}

export function getReplay(caller: SessionClaims, id: string): Promise<ProcessorResult<ReplayRun>> {
  return callApi(
    caller,
    'replays.get',
    { params: { id } },
    { what: 'replay run details', timeoutMs: POLL_TIMEOUT_MS },
  );
}

/** The dry run: the exact set a start would replay, its count, a sample, and the token that starts it. */
export function previewReplay(
  caller: SessionClaims,
  request: ReplayPreviewRequest,
): Promise<ProcessorResult<ReplayPreview>> {
  return callApi(
    caller,
    'replays.preview',
    { body: request },
    { what: 'the replay preview', timeoutMs: REPLAY_PLAN_TIMEOUT_MS },
  );
}

/** Starts exactly the set a preview described (the processor's 409 when it changed since). */
export function startReplay(caller: SessionClaims, token: string): Promise<ProcessorResult<ReplayRun>> {
  return callApi(
    caller,
    'replays.start',
    { body: { token } },
    {
      what: 'replay run details',
      timeoutMs: REPLAY_PLAN_TIMEOUT_MS,
      timeoutHint: 'the replay may still have started: check the replay runs before previewing again',
    },
  );
}

const REPLAY_ACTION_ROUTES = {
  pause: 'replays.pause',
  resume: 'replays.resume',
  cancel: 'replays.cancel',
} as const satisfies Record<ReplayAction, string>;

export function runReplayAction(
  caller: SessionClaims,
  id: string,
  action: ReplayAction,
): Promise<ProcessorResult<ReplayRun>> {
  return callApi(
    caller,
    REPLAY_ACTION_ROUTES[action],
    { params: { id } },
    {
      what: 'replay run details',
      timeoutMs: REPLAY_ACTION_TIMEOUT_MS,
      timeoutHint: `the ${action} may still have taken effect: check the run's status before retrying`,
    },
  );
}
