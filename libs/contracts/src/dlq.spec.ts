import { z } from 'zod';
import { DLQ_STATUSES, dlqDiscardRequestSchema, replayPreviewRequestSchema } from './dlq';

// Unit tier: a replay's filter may only name a status a replay takes; a discard's is unchanged.

function problem(body: unknown): string | null {
  const parsed = replayPreviewRequestSchema.safeParse(body);
  return parsed.success ? null : z.prettifyError(parsed.error);
}

describe('a replay preview request', () => {
  it.each(DLQ_STATUSES.filter((s) => s !== 'open' && s !== 'quarantined'))(
    'refuses a filter on %s records, saying which statuses a replay takes',
    (status) => {
      expect(problem({ selection: { filter: { status } } })).toBe(
        '✖ a replay takes open or quarantined records only: leave status out (open) or choose open or quarantined\n  → at selection.filter.status',
      );
    },
  );

  it('takes open, quarantined or no status, keeps the one given, and still refuses unknown fields', () => {
    for (const status of ['open', 'quarantined'] as const) {
      expect(replayPreviewRequestSchema.parse({ selection: { filter: { status } } }).selection).toEqual({
        filter: { status },
      });
    }
    expect(problem({ selection: { filter: {} } })).toBeNull();
    expect(problem({ selection: { ids: ['1'] } })).toBeNull();
    expect(problem({ selection: { filter: { status: 'open', drop: true } } })).not.toBeNull();
  });

  it('leaves a discard filter on any status (a discard moves only open or quarantined ones)', () => {
    expect(
      dlqDiscardRequestSchema.safeParse({ selection: { filter: { status: 'discarded' } }, reason: 'cleanup' })
        .success,
    ).toBe(true);
  });
});
