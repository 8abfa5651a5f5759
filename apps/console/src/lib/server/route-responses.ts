import { z } from 'zod';
import type { ConsoleErrorBody } from '../console-api';
import type { ProcessorResult } from './processor-http';

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

/** Until the console signs operators in, the browser may name who acts; the processor logs it. */
const actorSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\p{L}\p{N} ._@-]+$/u, 'letters, digits, spaces and . _ @ - only');

export const ACTOR_HEADER = 'x-dedup-actor';

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The optional `x-dedup-actor` header of the browser's request, checked before it is passed on. */
export function readActor(request: Request): Parsed<string | undefined> {
  const raw = request.headers.get(ACTOR_HEADER);
  if (raw === null) return { ok: true, value: undefined };
  const parsed = actorSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, response: badRequest(`${ACTOR_HEADER}: ${z.prettifyError(parsed.error)}`) };
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
