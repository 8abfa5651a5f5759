import { withRetry } from './retry';

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 };

describe('withRetry', () => {
  it('returns the first success and reports each retry with a bounded delay', async () => {
    let calls = 0;
    const delays: number[] = [];
    const result = await withRetry(
      () => (++calls < 3 ? Promise.reject(new Error('down')) : Promise.resolve('ok')),
      policy,
      (_attempt, _error, delay) => delays.push(delay),
      () => Promise.resolve(),
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        () => Promise.reject(new Error(`fail ${++calls}`)),
        policy,
        undefined,
        () => Promise.resolve(),
      ),
    ).rejects.toThrow('fail 4');
    expect(calls).toBe(4);
  });
});
