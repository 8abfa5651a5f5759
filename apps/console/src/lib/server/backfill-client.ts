import {
  backfillJobSchema,
  backfillListResponseSchema,
  type BackfillAction,
  type BackfillJob,
  type BackfillListResponse,
  type CreateBackfillRequest,
} from '@dedup/contracts';
import { processor } from './processor-client';
import { callProcessor, type ProcessorResult } from './processor-http';

/*
 * The processor's backfill API (`/api/backfills`), for the console's route handlers and pages.
 * Server-only. Every function answers a ProcessorResult: a job or list that passed the contract, a
 * rejection carrying the processor's 4xx message, or a failure to reach or understand it.
 */

/** Reads sit under the 2 s browser poll, like the stats. */
const READ_TIMEOUT_MS = 3_000;
/** A preview or a create reads the offsets of every partition of the range from the broker. */
const PLAN_TIMEOUT_MS = 15_000;
/** Pause, resume and cancel are one row update, but may wait for the job's in-flight batch. */
const ACTION_TIMEOUT_MS = 10_000;

export function listBackfills(): Promise<ProcessorResult<BackfillListResponse>> {
  return callProcessor(processor, {
    method: 'GET',
    path: '/api/backfills',
    what: 'backfills',
    schema: backfillListResponseSchema,
    timeoutMs: READ_TIMEOUT_MS,
  });
}

export function getBackfill(id: string): Promise<ProcessorResult<BackfillJob>> {
  return callProcessor(processor, {
    method: 'GET',
    path: `/api/backfills/${encodeURIComponent(id)}`,
    what: 'backfill details',
    schema: backfillJobSchema,
    timeoutMs: READ_TIMEOUT_MS,
  });
}

/** The job the request would create (`status: 'preview'`, `id: null`); creates nothing. */
export function previewBackfill(
  request: CreateBackfillRequest,
  actor?: string,
): Promise<ProcessorResult<BackfillJob>> {
  return callProcessor(processor, {
    method: 'POST',
    path: '/api/backfills/preview',
    what: 'backfill details',
    schema: backfillJobSchema,
    body: request,
    actor,
    timeoutMs: PLAN_TIMEOUT_MS,
  });
}

export function createBackfill(
  request: CreateBackfillRequest,
  actor?: string,
): Promise<ProcessorResult<BackfillJob>> {
  return callProcessor(processor, {
    method: 'POST',
    path: '/api/backfills',
    what: 'backfill details',
    schema: backfillJobSchema,
    body: request,
    actor,
    timeoutMs: PLAN_TIMEOUT_MS,
    timeoutHint: 'the backfill may still have been created: check the list before starting it again',
  });
}

export function runBackfillAction(
  id: string,
  action: BackfillAction,
  actor?: string,
): Promise<ProcessorResult<BackfillJob>> {
  return callProcessor(processor, {
    method: 'POST',
    path: `/api/backfills/${encodeURIComponent(id)}/${action}`,
    what: 'backfill details',
    schema: backfillJobSchema,
    actor,
    timeoutMs: ACTION_TIMEOUT_MS,
    timeoutHint: `the ${action} may still have taken effect: check the job's status before retrying`,
  });
}
