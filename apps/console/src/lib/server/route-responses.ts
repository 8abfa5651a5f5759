import { z } from 'zod';
import { currentSession, type SessionClaims } from '../../auth';
import type { ConsoleErrorBody } from '../console-api';
import { CSRF_HEADER } from '../console-fetch';
import { config } from './config';
import { consoleMetrics } from './console-metrics';
import { crossSiteReason, csrfTokenValid } from './csrf';
import type { ProcessorResult } from './processor-http';
import { signInLimits } from './sign-in-limits';

/*
 * How the console's route handlers turn a processor answer, or a bad browser request, into a
 * response: the one place that maps a failure to an HTTP status. Server-only.
 */

/** Live data: never prerendered, never cached by anyone. */
export const noStore = { 'cache-control': 'no-store' };

/**
 * 2xx: the processor's status and the validated body. 4xx: the same status and the processor's
 * message, for the operator to read. Anything else (unreachable, timeout, 5xx, contract breach): 502.
 */
export function processorResponse<T>(result: ProcessorResult<T>): Response {
  if (result.ok) return Response.json(result.value, { status: result.status, headers: noStore });
  const { error } = result;
  const body: ConsoleErrorBody = { error: error.message, code: error.code };
  return Response.json(body, { status: error.code === 'rejected' ? error.status : 502, headers: noStore });
}

export function badRequest(message: string): Response {
  const body: ConsoleErrorBody = { error: message, code: 'bad-request' };
  return Response.json(body, { status: 400, headers: noStore });
}

export function notFound(message: string): Response {
  const body: ConsoleErrorBody = { error: message, code: 'not-found' };
  return Response.json(body, { status: 404, headers: noStore });
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

function refusal(
  status: number,
  code: ConsoleErrorBody['code'],
  message: string,
  extra: Record<string, string> = {},
) {
  const body: ConsoleErrorBody = { error: message, code };
  return Response.json(body, { status, headers: { ...noStore, ...extra } });
}

/**
 * The signed-in person a console route acts for: 401 without a session; for a mutation also 403 for
 * a cross-site request or a missing/wrong CSRF token (csrf.ts), and 429 over the per-person limit.
 * Roles are not judged here: the processor authorizes every call by the person's console token and
 * writes a refused one to the action log, which a refusal here would leave without a trace. The
 * pages hide what a role may not use.
 */
export async function requireCaller(
  request: Request,
  kind: 'read' | 'mutation',
): Promise<Parsed<SessionClaims>> {
  const caller = await currentSession();
  if (caller === null) {
    consoleMetrics().refused('unauthenticated');
    return {
      ok: false,
      response: refusal(401, 'unauthenticated', 'Not signed in, or the session ended: sign in again'),
    };
  }
  if (kind === 'mutation') {
    const crossSite = crossSiteReason(request.headers);
    if (crossSite !== null) {
      consoleMetrics().refused('csrf');
      return {
        ok: false,
        response: refusal(403, 'csrf', `Refused ${crossSite}: changes come from the console's own pages`),
      };
    }
    if (!csrfTokenValid(request.headers.get(CSRF_HEADER), caller.sid, config().authSecret)) {
      consoleMetrics().refused('csrf');
      return {
        ok: false,
        response: refusal(
          403,
          'csrf',
          `Refused: the ${CSRF_HEADER} header is missing or not this session's; reload the page`,
        ),
      };
    }
  }
  if (kind === 'mutation') {
    const limited = await signInLimits().mutation(caller.uid);
    if (limited !== null) {
      return {
        ok: false,
        response: refusal(
          429,
          'rate-limited',
          `${limited.message}; retry in ${limited.retryAfterSeconds} s`,
          {
            'retry-after': String(limited.retryAfterSeconds),
          },
        ),
      };
    }
  }
  return { ok: true, value: caller };
}

/** The browser's JSON body, parsed against a contract schema at the console's edge. */
export async function readJsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
): Promise<Parsed<z.output<S>>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return { ok: false, response: badRequest('The request body is not JSON') };
  }
  const parsed = schema.safeParse(body);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, response: badRequest(z.prettifyError(parsed.error)) };
}
