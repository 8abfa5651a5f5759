import { z } from 'zod';
import { DLQ_STATUSES, dlqDiscardRequestSchema, replayPreviewRequestSchema } from './dlq';

// Unit tier: a replay's or a discard's filter may only name a status the action takes.

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

  it.each(DLQ_STATUSES.filter((s) => s !== 'open' && s !== 'quarantined'))(
    'refuses a discard filter on %s records, saying which statuses a discard takes',
    (status) => {
      const parsed = dlqDiscardRequestSchema.safeParse({
        selection: { filter: { status } },
        reason: 'cleanup',
      });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.message)).toContain(
        'a discard takes open or quarantined records only: leave status out (open) or choose open or quarantined',
      );
    },
  );

  it('takes a discard filter on open, quarantined or no status', () => {
    for (const filter of [{ status: 'open' }, { status: 'quarantined' }, {}] as const) {
      expect(dlqDiscardRequestSchema.safeParse({ selection: { filter }, reason: 'cleanup' }).success).toBe(
        true,
      );
    }
  });
});
