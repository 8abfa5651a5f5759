import { describe, expect, it } from '@jest/globals';
import { describeCaughtError, processorUnavailableDigest } from './page-errors';

describe('describeCaughtError', () => {
  it("gives back the processor's words a page put in the digest", () => {
    const error = Object.assign(new Error('An error occurred in the Server Components render.'), {
      digest: processorUnavailableDigest('Processor at http://127.0.0.1:3001 is unreachable (ECONNREFUSED)'),
    });
    expect(describeCaughtError(error)).toEqual({
      kind: 'processor-unavailable',
      message: 'Processor at http://127.0.0.1:3001 is unreachable (ECONNREFUSED)',
    });
  });

  it("gives a server error's log reference, never its (generic) message", () => {
    const error = Object.assign(new Error('An error occurred in the Server Components render.'), {
      digest: '2718281828',
    });
    expect(describeCaughtError(error)).toEqual({ kind: 'console', reference: '2718281828', message: null });
  });

  it("gives a browser error's message, and copes with a thrown non-error", () => {
    expect(describeCaughtError(new TypeError('x is undefined'))).toEqual({
      kind: 'console',
      reference: null,
      message: 'x is undefined',
    });
    expect(describeCaughtError('a string')).toEqual({ kind: 'console', reference: null, message: null });
  });

  it('keeps the digest short', () => {
    expect(processorUnavailableDigest('x'.repeat(2_000))).toHaveLength('processor-unavailable:'.length + 500);
  });
});
