import { z } from 'zod';
import { createBackfillRequestSchema } from './backfill';

// Unit tier: what a backfill request may name, refused at the request rather than failing the job.

/** zod's message for `body`, or null when it is valid. */
function problem(body: Record<string, unknown>): string | null {
  const parsed = createBackfillRequestSchema.safeParse({
    targetTopic: 'events.backfill',
    range: { kind: 'time' },
    ...body,
  });
  return parsed.success ? null : z.prettifyError(parsed.error);
}

describe('a backfill request', () => {
  describe('range times', () => {
    it.each([
      ['0001-01-01T00:00:00Z', 'from'],
      ['1969-12-31T23:59:59.999Z', 'from'],
      // Midnight in UTC+1 is 23:00 the day before in UTC.
      ['1970-01-01T00:00:00+01:00', 'from'],
      ['0001-01-01T00:00:00Z', 'to'],
    ])('refuses %s as %s: before 1970, where Kafka record times start', (at, bound) => {
      expect(problem({ range: { kind: 'time', [bound]: at } })).toBe(
        `✖ at or after 1970-01-01T00:00:00Z, where Kafka record times start\n  → at range.${bound}`,
      );
    });

    it('takes 1970-01-01T00:00:00Z and the last instant of year 9999', () => {
      expect(
        problem({ range: { kind: 'time', from: '1970-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999Z' } }),
      ).toBeNull();
      expect(problem({ range: { kind: 'time', from: '+275760-09-13T00:00:00Z' } })).toMatch(/ISO-8601/);
    });
  });
});
