import { z } from 'zod';

/*
 * The browser's one way to the console's own `/api/…` routes. Never throws: every failure becomes a
 * message for the operator. The error bodies are `{ error, code }` (stats-dto.ts, console-api.ts).
 */

export type ConsoleResult<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      /** The console's HTTP status, or null when it could not be reached. */
      readonly status: number | null;
      readonly error: string;
    };

interface ConsoleRequest {
  readonly method?: 'GET' | 'POST';
  /** Sent as JSON when present. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
}

const errorBodySchema = z.object({ error: z.string().min(1) });

/** `what` names the answer in messages, plural: "stats", "backfills", "backfill details". */
export async function fetchConsole<T>(
  path: string,
  schema: z.ZodType<T>,
  what: string,
  request: ConsoleRequest = {},
): Promise<ConsoleResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: request.method ?? 'GET',
      cache: 'no-store',
      headers:
        request.body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
  } catch {
    return { ok: false, status: null, error: 'The console server is unreachable' };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return {
      ok: false,
      status: response.status,
      error: `The console answered HTTP ${response.status} without JSON`,
    };
  }
  if (response.ok) {
    const parsed = schema.safeParse(body);
    return parsed.success
      ? { ok: true, value: parsed.data }
      : { ok: false, status: response.status, error: `The console sent ${what} in an unexpected shape` };
  }
  const parsed = errorBodySchema.safeParse(body);
  return {
    ok: false,
    status: response.status,
    error: parsed.success ? parsed.data.error : `The console answered HTTP ${response.status}`,
  };
}
