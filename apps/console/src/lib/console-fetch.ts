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

/** The meta tag the signed-in layout renders with this session's CSRF token (server/csrf.ts). */
export const CSRF_META_NAME = 'dedup-csrf';
/** The header a mutating call carries it in. */
export const CSRF_HEADER = 'x-csrf-token';

function csrfToken(): string {
  if (typeof document === 'undefined') return '';
  return document.querySelector(`meta[name="${CSRF_META_NAME}"]`)?.getAttribute('content') ?? '';
}

/** `what` names the answer in messages, plural: "stats", "backfills", "backfill details". */
export async function fetchConsole<T>(
  path: string,
  schema: z.ZodType<T>,
  what: string,
  request: ConsoleRequest = {},
): Promise<ConsoleResult<T>> {
  let response: Response;
  const method = request.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers[CSRF_HEADER] = csrfToken();
  try {
    response = await fetch(path, {
      method,
      cache: 'no-store',
      headers,
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
  if (response.status === 401 && typeof window !== 'undefined') {
    // The session ended (expired, signed out elsewhere, user removed): back to the sign-in page.
    const here = `${window.location.pathname}${window.location.search}`;
    window.location.assign(`/signin?callbackUrl=${encodeURIComponent(here)}`);
  }
  const parsed = errorBodySchema.safeParse(body);
  return {
    ok: false,
    status: response.status,
    error: parsed.success ? parsed.data.error : `The console answered HTTP ${response.status}`,
  };
}
