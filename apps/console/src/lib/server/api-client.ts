import {
  API_ROUTES,
  routePath,
  type ApiRouteId,
  type ApiRouteSpec,
  type RouteRequest,
  type RouteResponse,
} from '@dedup/contracts';
import type { z } from 'zod';
import type { SessionClaims } from '../../auth';
import { config } from './config';
import {
  callProcessor,
  processorEndpoint,
  type ProcessorEndpoint,
  type ProcessorResult,
} from './processor-http';
import { signConsoleToken } from './processor-token';

/*
 * The console's only way to the processor's API: a route of the one route table (libs/contracts
 * api-routes.ts), called for the signed-in person with a console token. Method, path, query and the
 * schema the answer must pass all come from the table. Server-only; failures are values.
 */

export type { ProcessorError, ProcessorRejection, ProcessorResult } from './processor-http';

let endpoint: ProcessorEndpoint | undefined;

/** The configured processor, credentials split off once (see processorEndpoint). */
export function processor(): ProcessorEndpoint {
  endpoint ??= processorEndpoint(config().processorUrl);
  return endpoint;
}

export interface CallOptions {
  /** What the answer holds, plural, for messages: "stats", "backfills". */
  readonly what: string;
  readonly timeoutMs: number;
  /** For a call that changes state: what to check before retrying one that timed out. */
  readonly timeoutHint?: string;
}

type Defined<T> = { [K in keyof T as T[K] extends undefined ? never : K]: T[K] };

/** Calls route `id` of the table as `caller`. */
export async function callApi<Id extends ApiRouteId>(
  caller: SessionClaims,
  id: Id,
  request: Defined<RouteRequest<Id>>,
  options: CallOptions,
): Promise<ProcessorResult<RouteResponse<Id>>> {
  const spec: ApiRouteSpec = API_ROUTES[id];
  if (spec.response === null) throw new Error(`${id} does not answer JSON`);
  const { params, query, body } = request as {
    params?: Record<string, string>;
    query?: object;
    body?: unknown;
  };
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const qs = search.size === 0 ? '' : `?${search.toString()}`;
  const bearer = await signConsoleToken(
    { sub: caller.uid, name: caller.name, role: caller.role },
    config().consoleTokenSecret,
  );
  return callProcessor(processor(), {
    method: spec.method,
    path: `${routePath(spec, params)}${qs}`,
    what: options.what,
    schema: spec.response as z.ZodType<RouteResponse<Id>>,
    timeoutMs: options.timeoutMs,
    bearer,
    ...(body === undefined ? {} : { body }),
    ...(options.timeoutHint === undefined ? {} : { timeoutHint: options.timeoutHint }),
  });
}
