import { processorUnavailableDigest } from '../page-errors';
import type { ProcessorResult } from './api-client';

/*
 * For server components: when none of a page's reads reached the processor (down, or no answer in
 * time), the page has nothing of its own to show, so it throws and its segment's error boundary
 * says what failed, in the processor failure's words, with Retry. A refusal (4xx) or a broken answer
 * is not this: the page shows it in its banner, beside whatever else it could read. Pages that poll
 * (Watermarks, Backfills) keep their banner instead: they recover by themselves. Server-only.
 */

/** Thrown by a page whose every processor call failed to reach it; its digest carries the message. */
export class ProcessorUnavailableError extends Error {
  readonly digest: string;

  constructor(message: string) {
    super(message);
    this.name = 'ProcessorUnavailableError';
    this.digest = processorUnavailableDigest(message);
  }
}

/** Throws ProcessorUnavailableError when every one of `results` failed to reach the processor. */
export function throwIfProcessorUnavailable(results: readonly ProcessorResult<unknown>[]): void {
  const unreached = results.flatMap((r) =>
    !r.ok && (r.error.code === 'unreachable' || r.error.code === 'timeout') ? [r.error] : [],
  );
  const first = unreached[0];
  if (first !== undefined && unreached.length === results.length) {
    throw new ProcessorUnavailableError(first.message);
  }
}
