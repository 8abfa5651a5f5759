/*
 * What an error boundary can say about the error it caught. In production a server component's
 * error reaches the browser as a generic message and a `digest`; the `digest` is the one field that
 * crosses, and Next keeps one the error already has. So a page that could not ask the processor at
 * all throws an error whose digest carries a code and the processor failure's message (written to be
 * shown to an operator: it names the processor's origin, never credentials), and the boundary shows
 * it as the page's banner would have. Pure: used by the server helper and by the boundaries.
 */

const PROCESSOR_UNAVAILABLE = 'processor-unavailable:';

/** At most this much of the message rides in the digest (a digest is logged and sent as is). */
const MAX_MESSAGE = 500;

export function processorUnavailableDigest(message: string): string {
  return `${PROCESSOR_UNAVAILABLE}${message.slice(0, MAX_MESSAGE)}`;
}

export type CaughtError =
  /** The processor could not be asked (unreachable, or no answer in time): its words. */
  | { readonly kind: 'processor-unavailable'; readonly message: string }
  /** A bug in the console: the server log reference, or the browser's message for a client error. */
  | { readonly kind: 'console'; readonly reference: string | null; readonly message: string | null };

export function describeCaughtError(error: unknown): CaughtError {
  const digest =
    typeof error === 'object' && error !== null && 'digest' in error && typeof error.digest === 'string'
      ? error.digest
      : null;
  if (digest?.startsWith(PROCESSOR_UNAVAILABLE) === true) {
    return { kind: 'processor-unavailable', message: digest.slice(PROCESSOR_UNAVAILABLE.length) };
  }
  if (digest !== null) return { kind: 'console', reference: digest, message: null };
  // Thrown in the browser: the message is the console's own, not a server's secret.
  return { kind: 'console', reference: null, message: error instanceof Error ? error.message : null };
}
