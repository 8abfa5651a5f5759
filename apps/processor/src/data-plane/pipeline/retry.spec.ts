import { isTransientDatabaseError, withRetry } from './retry';

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

  it('does not retry an error the predicate calls permanent', async () => {
    let calls = 0;
    await expect(
      withRetry(
        () => Promise.reject(new Error(`fail ${++calls}`)),
        policy,
        undefined,
        () => Promise.resolve(),
        () => false,
      ),
    ).rejects.toThrow('fail 1');
    expect(calls).toBe(1);
  });
});

describe('isTransientDatabaseError', () => {
  it.each([
    ['22021', false], // character_not_in_repertoire (a NUL byte)
    ['22P05', false], // untranslatable_character
    ['23505', false], // unique_violation
    ['40001', true], // serialization_failure
    ['40P01', true], // deadlock_detected
    ['57P01', true], // admin_shutdown
  ])('classifies SQLSTATE %s as transient=%s', (code, transient) => {
    expect(isTransientDatabaseError({ driverError: { code } })).toBe(transient);
  });

  it('treats errors without a SQLSTATE (connection refused, ClaimConflict) as transient', () => {
    expect(isTransientDatabaseError(new Error('connect ECONNREFUSED'))).toBe(true);
  });
});
