import { z } from 'zod';
import type { ProcessorErrorCode } from '../stats-dto';

/*
 * One HTTP call to the processor's control-plane API, shared by every console client function.
 * Server-only. Never throws: a failure is a value whose message is safe to show an operator (it names
 * the processor's origin, never the credentials that PROCESSOR_URL may carry).
 */

/** Where the processor is, split once so no message or URL below ever carries the credentials. */
export interface ProcessorEndpoint {
  /** Base URL without credentials and without a trailing slash. */
  readonly baseUrl: string;
  /** `scheme://host:port`: what messages name. */
  readonly origin: string;
  /** `Basic …` when PROCESSOR_URL carried user:password; fetch refuses URLs with credentials. */
  readonly authorization: string | null;
}

export function processorEndpoint(url: string): ProcessorEndpoint {
  const parsed = new URL(url);
  const authorization =
    parsed.username === '' && parsed.password === ''
      ? null
      : `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return {
    baseUrl: parsed.href.replace(/\/+$/, ''),
    origin: parsed.origin,
    authorization,
  };
}

/** The processor could not be asked, or its answer is unusable. The console answers 502. */
export interface ProcessorError {
  readonly code: ProcessorErrorCode;
  /** Safe to show to an operator: names the processor origin, never credentials. */
  readonly message: string;
}

/** The processor refused the request with a 4xx and said why: the operator needs its words. */
export interface ProcessorRejection {
  readonly code: 'rejected';
  readonly status: number;
  /** The processor's own `message`, e.g. what is wrong with a request body. */
  readonly message: string;
}

export type ProcessorResult<T> =
  | { readonly ok: true; readonly value: T; readonly status: number }
  | { readonly ok: false; readonly error: ProcessorError | ProcessorRejection };

export interface ProcessorRequest<T> {
  readonly method: 'GET' | 'POST';
  /** Starts with `/`; path parameters already encoded, the query string included. */
  readonly path: string;
  /** What the answer holds, plural, for messages: "stats", "backfills", "backfill details". */
  readonly what: string;
  readonly schema: z.ZodType<T>;
  readonly timeoutMs: number;
  /** Sent as JSON when present. */
  readonly body?: unknown;
  /**
   * The credential of the person the console acts for (a console token, processor-token.ts): the
   * processor authorizes the call and writes its action-log row by it. Sent instead of PROCESSOR_URL's
   * Basic credentials, which only reach a proxy in front of the processor on public routes.
   */
  readonly bearer?: string | undefined;
  /**
   * Appended to the timeout message of a request that changes state: a timed-out POST may still
   * have taken effect, and the operator must not blindly retry it.
   */
  readonly timeoutHint?: string;
}

/** The shape of a processor 4xx body (`{ statusCode, message }`; Nest's validation sends a list). */
const rejectionBodySchema = z.object({
  message: z.union([z.string().min(1), z.array(z.string()).min(1)]),
});

export async function callProcessor<T>(
  endpoint: ProcessorEndpoint,
  request: ProcessorRequest<T>,
  fetchImpl: typeof fetch = fetch,
): Promise<ProcessorResult<T>> {
  const { origin } = endpoint;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.bearer !== undefined) headers['authorization'] = `Bearer ${request.bearer}`;
  else if (endpoint.authorization !== null) headers['authorization'] = endpoint.authorization;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetchImpl(`${endpoint.baseUrl}${request.path}`, {
      method: request.method,
      cache: 'no-store',
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const json = await readJson(response);
    if (!response.ok) {
      if (response.status >= 400 && response.status < 500) {
        const rejection = rejectionBodySchema.safeParse(json.ok ? json.value : undefined);
        if (rejection.success) {
          const { message } = rejection.data;
          return {
            ok: false,
            error: {
              code: 'rejected',
              status: response.status,
              message: typeof message === 'string' ? message : message.join('; '),
            },
          };
        }
      }
      return failure('bad-status', `Processor at ${origin} answered HTTP ${response.status}`);
    }
    if (!json.ok) return failure('bad-body', `Processor at ${origin} sent ${request.what} that are not JSON`);
    const parsed = request.schema.safeParse(json.value);
    if (!parsed.success) {
      return failure(
        'bad-body',
        `Processor at ${origin} sent ${request.what} that break the contract: ${z.prettifyError(parsed.error)}`,
      );
    }
    return { ok: true, value: parsed.data, status: response.status };
  } catch (err) {
    if (isTimeout(err)) {
      const hint = request.timeoutHint === undefined ? '' : `; ${request.timeoutHint}`;
      return failure(
        'timeout',
        `Processor at ${origin} did not answer within ${request.timeoutMs} ms${hint}`,
      );
    }
    return failure('unreachable', `Processor at ${origin} is unreachable (${networkCause(err)})`);
  }
}

/** Reads the whole body; a timeout while reading is rethrown so it is reported as one. */
async function readJson(response: Response): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await response.json() };
  } catch (err) {
    if (isTimeout(err)) throw err;
    return { ok: false };
  }
}

function failure(code: ProcessorErrorCode, message: string): { ok: false; error: ProcessorError } {
  return { ok: false, error: { code, message } };
}

function isTimeout(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'TimeoutError';
}

/**
 * undici wraps the socket error: `TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })`.
 * Its messages may quote the URL, which is why the credentials never get into it.
 */
function networkCause(err: unknown): string {
  if (err instanceof Error) {
    const cause: unknown = err.cause;
    if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') {
      return cause.code;
    }
    return err.message;
  }
  return String(err);
}
