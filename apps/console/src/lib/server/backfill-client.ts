import type {
  BackfillAction,
  BackfillJob,
  BackfillListResponse,
  CreateBackfillRequest,
} from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's backfill routes, for the console's route handlers and pages, called as the
 * signed-in person. Server-only. Every function answers a ProcessorResult: a job or list that passed
 * the contract, a rejection carrying the processor's 4xx message, or a failure to reach or understand it.
 */

/** Reads sit under the 2 s browser poll, like the stats. */
const READ_TIMEOUT_MS = 3_000;
/** A preview or a create reads the offsets of every partition of the range from the broker. */
const PLAN_TIMEOUT_MS = 15_000;
/** Pause, resume and cancel are one row update, but may wait for the job's in-flight batch. */
const ACTION_TIMEOUT_MS = 10_000;

export function listBackfills(caller: SessionClaims): Promise<ProcessorResult<BackfillListResponse>> {
  return callApi(caller, 'backfills.list', {}, { what: 'backfills', timeoutMs: READ_TIMEOUT_MS });
}

export function getBackfill(caller: SessionClaims, id: string): Promise<ProcessorResult<BackfillJob>> {
  return callApi(
    caller,
    'backfills.get',
    { params: { id } },
    { what: 'backfill details', timeoutMs: READ_TIMEOUT_MS },
  );
}

/** The job the request would create (`status: 'preview'`, `id: null`); creates nothing. */
export function previewBackfill(
  caller: SessionClaims,
  request: CreateBackfillRequest,
): Promise<ProcessorResult<BackfillJob>> {
  return callApi(
    caller,
    'backfills.preview',
    { body: request },
    { what: 'backfill details', timeoutMs: PLAN_TIMEOUT_MS },
  );
}

export function createBackfill(
  caller: SessionClaims,
  request: CreateBackfillRequest,
): Promise<ProcessorResult<BackfillJob>> {
  return callApi(
    caller,
    'backfills.create',
    { body: request },
    {
      what: 'backfill details',
      timeoutMs: PLAN_TIMEOUT_MS,
      timeoutHint: 'the backfill may still have been created: check the list before starting it again',
    },
  );
}

const ACTION_ROUTES = {
  pause: 'backfills.pause',
  resume: 'backfills.resume',
  cancel: 'backfills.cancel',
} as const satisfies Record<BackfillAction, string>;

export function runBackfillAction(
  caller: SessionClaims,
  id: string,
  action: BackfillAction,
): Promise<ProcessorResult<BackfillJob>> {
  return callApi(
    caller,
    ACTION_ROUTES[action],
    { params: { id } },
    {
      what: 'backfill details',
      timeoutMs: ACTION_TIMEOUT_MS,
      timeoutHint: `the ${action} may still have taken effect: check the job's status before retrying`,
    },
  );
}
