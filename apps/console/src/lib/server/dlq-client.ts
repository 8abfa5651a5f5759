import type {
  DlqDiscardRequest,
  DlqDiscardResponse,
  DlqGroupsResponse,
  DlqListQuery,
  DlqListResponse,
  DlqRecord,
  DlqStatus,
} from '@dedup/contracts';
import type { SessionClaims } from '../../auth';
import { callApi, type ProcessorResult } from './api-client';

/*
 * The processor's DLQ triage routes (docs/dlq.md), for the DLQ page, the overview and the discard
 * route handler, called as the signed-in person. Server-only. Every function answers a
 * ProcessorResult: an answer that passed the contract, a rejection carrying the processor's 4xx
 * message, or a failure to reach or understand it.
 */

/** The groups aggregate over every record in a status (with a 24 h sparkline each): a read, but not a point one. */
const READ_TIMEOUT_MS = 5_000;
/** A discard by filter updates every matching row in one transaction. */
const DISCARD_TIMEOUT_MS = 15_000;

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
