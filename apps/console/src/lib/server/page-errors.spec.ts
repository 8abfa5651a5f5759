import { describe, expect, it } from '@jest/globals';
import type { ProcessorResult } from './api-client';
import { ProcessorUnavailableError, throwIfProcessorUnavailable } from './page-errors';

const down: ProcessorResult<never> = {
  ok: false,
  error: { code: 'unreachable', message: 'Processor at http://p:3001 is unreachable (ECONNREFUSED)' },
};
const slow: ProcessorResult<never> = {
  ok: false,
  error: { code: 'timeout', message: 'Processor at http://p:3001 did not answer within 3000 ms' },
};
const refused: ProcessorResult<never> = {
  ok: false,
  error: { code: 'rejected', status: 400, message: 'limit must be at most 200' },
};
const fine: ProcessorResult<number> = { ok: true, value: 1, status: 200 };

describe('throwIfProcessorUnavailable', () => {
  it("throws with the first failure's words when no call reached the processor", () => {
    expect(() => throwIfProcessorUnavailable([down, slow])).toThrow(
      new ProcessorUnavailableError('Processor at http://p:3001 is unreachable (ECONNREFUSED)'),
    );
    expect(() => throwIfProcessorUnavailable([slow])).toThrow(ProcessorUnavailableError);
  });

  it('leaves the page its banners when anything was read, or the processor answered', () => {
    expect(() => throwIfProcessorUnavailable([down, fine])).not.toThrow();
    expect(() => throwIfProcessorUnavailable([down, refused])).not.toThrow();
    expect(() => throwIfProcessorUnavailable([])).not.toThrow();
  });

  it('carries the message in the digest, the one field that reaches the browser', () => {
    expect(new ProcessorUnavailableError('gone').digest).toBe('processor-unavailable:gone');
  });
});
