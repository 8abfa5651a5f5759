import { HttpException, HttpStatus } from '@nestjs/common';
import type { ActionResult, ApiError } from '@dedup/contracts';
import { STATUS_CODES } from 'node:http';
import { ControlPlaneError, HTTP_STATUS_OF } from '../control-plane-error';

/** 429 with the seconds after which the caller may try again (sent as `Retry-After`). */
export class RateLimitedException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** The action-log result of an answered status. */
export function resultOf(status: number): ActionResult {
  if (status === 401 || status === 403 || status === 429) return 'refused';
  if (status >= 500) return 'failed';
  return status >= 400 ? 'rejected' : 'ok';
}

/**
 * The status and body of any error: an HttpException's own status and message, anything else a 500
 * whose message names no internals (it is logged with its stack instead). A body that is not an
 * error message (the readiness probe's checks) is passed through as it is.
 */
export function errorResponse(
  exception: unknown,
  requestId: string | undefined,
): { status: number; body: ApiError | Record<string, unknown>; message: string } {
  if (exception instanceof ControlPlaneError) {
    const status = HTTP_STATUS_OF[exception.code];
    const message = exception.message;
    return {
      status,
      body: {
        statusCode: status,
        error: STATUS_CODES[status] ?? 'Error',
        message,
        ...(requestId ? { requestId } : {}),
      },
      message,
    };
  }
  if (!(exception instanceof HttpException)) {
    const message = 'internal error: the request could not be completed (see the processor log)';
    return {
      status: 500,
      body: { statusCode: 500, error: 'Internal Server Error', message, ...(requestId ? { requestId } : {}) },
      message,
    };
  }
  const status = exception.getStatus();
  const response = exception.getResponse();
  const error = STATUS_CODES[status] ?? 'Error';
  if (typeof response === 'object' && !('message' in response)) {
    return { status, body: response as Record<string, unknown>, message: error };
  }
  const raw = typeof response === 'string' ? response : response.message;
  const message = Array.isArray(raw) ? raw.map(String).join('; ') : String(raw);
  return {
    status,
    body: { statusCode: status, error, message, ...(requestId ? { requestId } : {}) },
    message,
  };
}
