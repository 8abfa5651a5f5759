/**
 * The expected failures of a control-plane call, as codes: each transport maps them once (HTTP: the
 * exception filter in api/api-exception.filter.ts). Anything else thrown is a bug: a 500.
 */
export type ControlPlaneErrorCode = 'invalid_request' | 'not_found' | 'conflict';

export class ControlPlaneError extends Error {
  constructor(
    readonly code: ControlPlaneErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const HTTP_STATUS_OF: Record<ControlPlaneErrorCode, number> = {
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
};
