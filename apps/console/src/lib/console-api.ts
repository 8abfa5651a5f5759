import { PROCESSOR_ERROR_CODES } from './stats-dto';

/*
 * The error body of the console's own `/api/…` routes (built in server/route-responses.ts;
 * the browser reads its `error` in console-fetch.ts). Keep server-only imports out of this file.
 */

export const CONSOLE_ERROR_CODES = [
  ...PROCESSOR_ERROR_CODES,
  /** The processor answered 4xx; the console answers the same status and passes its message on. */
  'rejected',
  /** The console itself refused the browser's request (not JSON, breaks the contract). */
  'bad-request',
  /** No such console route (e.g. an unknown backfill action). */
  'not-found',
  /** No session, or it ended: sign in (401). */
  'unauthenticated',
  /** A mutation that did not come from the console's own page (403). */
  'csrf',
  /** Too many changes or sign-ins (429, with Retry-After). */
  'rate-limited',
] as const;
export type ConsoleErrorCode = (typeof CONSOLE_ERROR_CODES)[number];

export interface ConsoleErrorBody {
  /** For the operator, as is. */
  readonly error: string;
  readonly code: ConsoleErrorCode;
}
