import { z } from 'zod';
import { backfillSideTopics, createBackfillRequestSchema } from './backfill';

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

  describe('topic names', () => {
    it.each(['.', '..', '__consumer_offsets', '__transaction_state', 'a b', 'x'.repeat(250), ''])(
      'refuses %j as a source, target, duplicates or late topic',
      (name) => {
        for (const field of ['sourceTopic', 'targetTopic', 'duplicatesTopic', 'lateTopic']) {
          expect({ field, problem: problem({ [field]: name }) }).toEqual({
            field,
            problem: expect.stringContaining(`→ at ${field}`) as unknown,
          });
        }
      },
    );

    it('says why for the names Kafka reserves', () => {
      expect(problem({ targetTopic: '..' })).toMatch(/cannot be "\." or "\.\."/);
      expect(problem({ sourceTopic: '__consumer_offsets' })).toMatch(/Kafka internal topic/);
    });

    it('refuses a target whose derived duplicates or late topic would pass 249 characters', () => {
      const longest = 'a'.repeat(249 - '.duplicates'.length);
      expect(backfillSideTopics({ targetTopic: longest }).duplicatesTopic).toHaveLength(249);
      expect(problem({ targetTopic: longest })).toBeNull();
      expect(problem({ targetTopic: `${longest}a` })).toBe(
        '✖ too long for the duplicatesTopic named after it (250 characters, Kafka allows 249): shorten it or name duplicatesTopic\n  → at targetTopic',
      );
      const t245 = 'a'.repeat(245);
      expect(problem({ targetTopic: t245 })).toMatch(/duplicatesTopic named after it \(256 characters/);
      expect(problem({ targetTopic: t245, duplicatesTopic: 'd' })).toMatch(
        /lateTopic named after it \(250 characters/,
      );
      expect(problem({ targetTopic: t245, duplicatesTopic: 'd', lateTopic: 'l' })).toBeNull();
    });
  });
});
