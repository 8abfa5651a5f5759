export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Postgres errors that retrying cannot fix: data exceptions (class 22, e.g. a NUL byte or an invalid
 * value in a record) and integrity violations (class 23). Everything else (connection loss,
 * serialization failures, deadlocks, timeouts, ClaimConflict) is worth another attempt.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return !(typeof code === 'string' && (code.startsWith('22') || code.startsWith('23')));
}

export const TRANSIENT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * Runs `work` until it succeeds or the attempts run out, sleeping an exponentially growing,
 * fully jittered delay in between (so a fleet does not retry in lockstep). The last error is thrown.
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (attempt: number, error: unknown, delayMs: number) => void = () => undefined,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  isTransient: (error: unknown) => boolean = () => true,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= policy.attempts || !isTransient(error)) throw error;
      const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(Math.random() * cap);
      onRetry(attempt, error, delayMs);
      await sleep(delayMs);
    }
  }
}
