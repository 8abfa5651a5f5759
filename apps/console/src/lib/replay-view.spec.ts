import { replayPreviewRequestSchema, type ReplayRun } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  anyActive,
  cancelQuestion,
  finishedSince,
  groupReplaySelection,
  isReplayable,
  matchesPreview,
  outcomeSummary,
  previewPaceText,
  previewRequest,
  replayActions,
  replayEtaText,
  replayPercent,
  replayProgress,
  replayQuestion,
  replayRateText,
  runScope,
  sampleCaption,
  selectedReplaySelection,
  splitRuns,
  startedMessage,
  upsertRun,
} from './replay-view';

const FP = '0123456789abcdef';

function run(overrides: Partial<ReplayRun> = {}): ReplayRun {
  return {
    id: '7',
    status: 'running',
    scope: '8 records open of cause "payload_too_large: record is # bytes"',
    reason: null,
    total: 8,
    published: 3,
    decided: 2,
    outcomes: { unique: 2, duplicate: 0, late: 0, invalid: 0, failed: 0 },
    quarantined: 0,
    maxPerSecond: 100,
    progress: 0.25,
    rate: 4.25,
    etaSeconds: 2,
    createdBy: 'local:operator',
    createdAt: '2026-12-05T10:00:00.000Z',
    startedBy: 'local:operator',
    startedAt: '2026-12-05T10:00:05.000Z',
    updatedAt: '2026-12-05T10:00:06.000Z',
    finishedAt: null,
    ...overrides,
  };
}

describe('replay selection', () => {
  it('replays from the statuses the processor takes: open and quarantined', () => {
    expect(isReplayable('open')).toBe(true);
    expect(isReplayable('quarantined')).toBe(true);
    for (const status of ['replaying', 'replayed', 'discarded', 'resolved'] as const) {
      expect(isReplayable(status)).toBe(false);
    }
  });

  it('selects rows by id, a copy of the list', () => {
    const ids = ['3', '5'];
    const selection = selectedReplaySelection(ids);
    expect(selection).toEqual({ ids: ['3', '5'] });
    ids.push('9');
    expect(selection).toEqual({ ids: ['3', '5'] });
  });

  it('selects a group as its discard does: the status shown, up to its newest failure shown', () => {
    expect(
      groupReplaySelection({ fingerprint: FP, lastFailureAt: '2026-12-05T10:30:00.123Z' }, 'open'),
    ).toEqual({ filter: { status: 'open', fingerprint: FP, to: '2026-12-05T10:30:00.124Z' } });
    expect(groupReplaySelection({ fingerprint: FP, lastFailureAt: 'garbled' }, 'quarantined')).toEqual({
      filter: { status: 'quarantined', fingerprint: FP },
    });
  });
});

describe('previewRequest', () => {
  const selection = { ids: ['1'] };

  it('leaves the rate to the processor and the reason out when both are empty', () => {
    expect(previewRequest(selection, { maxPerSecond: ' ', reason: '  ' })).toEqual({
      ok: true,
      request: { selection },
    });
  });

  it('sends a whole rate and a trimmed reason, and the contract accepts the request', () => {
    const built = previewRequest(selection, { maxPerSecond: ' 250 ', reason: '  limit raised ' });
    expect(built).toEqual({ ok: true, request: { selection, maxPerSecond: 250, reason: 'limit raised' } });
    if (built.ok) expect(replayPreviewRequestSchema.safeParse(built.request).success).toBe(true);
  });

  it.each(['0', '100001', '1.5', '1e3', '0x10', '-3', 'fast'])('refuses the rate %j', (rate) => {
    expect(previewRequest(selection, { maxPerSecond: rate, reason: '' })).toEqual({
      ok: false,
      problems: { maxPerSecond: 'A whole number of records per second, from 1 to 100,000.' },
    });
  });

  it('refuses a reason over 500 characters, with the rate problem at once', () => {
    expect(previewRequest(selection, { maxPerSecond: 'x', reason: 'r'.repeat(501) })).toEqual({
      ok: false,
      problems: {
        maxPerSecond: 'A whole number of records per second, from 1 to 100,000.',
        reason: 'At most 500 characters.',
      },
    });
  });
});

describe('matchesPreview', () => {
  const previewed = { maxPerSecond: 100, reason: 'limit raised' };

  it('holds while the inputs say what was previewed (an empty rate is the default it showed)', () => {
    expect(matchesPreview({ maxPerSecond: '100', reason: 'limit raised ' }, previewed)).toBe(true);
    expect(matchesPreview({ maxPerSecond: '', reason: 'limit raised' }, previewed)).toBe(true);
  });

  it('breaks when the rate or the reason changed', () => {
    expect(matchesPreview({ maxPerSecond: '50', reason: 'limit raised' }, previewed)).toBe(false);
    expect(matchesPreview({ maxPerSecond: '100', reason: 'other' }, previewed)).toBe(false);
  });
});

describe('preview wording', () => {
  it('asks with the exact count', () => {
    expect(replayQuestion(8)).toBe('Replay 8 records?');
    expect(replayQuestion(1)).toBe('Replay 1 record?');
    expect(replayQuestion(1234)).toBe('Replay 1,234 records?');
    expect(replayQuestion(0)).toBe('Nothing to replay');
  });

  it('states the pace at the rate cap', () => {
    expect(previewPaceText({ maxPerSecond: 100, estimatedSeconds: 1 })).toBe(
      'At most 100 records/s: about 1 s on one processor instance.',
    );
    expect(previewPaceText({ maxPerSecond: 1, estimatedSeconds: 3 })).toBe(
      'At most 1 record/s: about 3 s on one processor instance.',
    );
    expect(previewPaceText({ maxPerSecond: 5, estimatedSeconds: 185 })).toBe(
      'At most 5 records/s: about 3 min 05 s on one processor instance.',
    );
  });

  it('says whether the sample is all of it', () => {
    expect(sampleCaption(5, 8)).toBe('Sample: the first 5 of 8 records:');
    expect(sampleCaption(3, 3)).toBe('The 3 records:');
    expect(sampleCaption(1, 1)).toBe('The record:');
  });
});

describe('runs', () => {
  it('knows which runs are active', () => {
    expect(anyActive([run({ status: 'completed' }), run({ status: 'paused' })])).toBe(true);
    expect(anyActive([run({ status: 'completed' }), run({ status: 'cancelled' })])).toBe(false);
    expect(anyActive([])).toBe(false);
  });

  it('notices a run that finished (or went) since the last list', () => {
    const before = [run({ id: '2', status: 'running' }), run({ id: '1', status: 'completed' })];
    expect(
      finishedSince(before, [run({ id: '2', status: 'running' }), run({ id: '1', status: 'completed' })]),
    ).toBe(false);
    expect(finishedSince(before, [run({ id: '2', status: 'paused' })])).toBe(false);
    expect(finishedSince(before, [run({ id: '2', status: 'completed' })])).toBe(true);
    expect(finishedSince(before, [run({ id: '3', status: 'running' })])).toBe(true);
    expect(finishedSince([run({ id: '1', status: 'completed' })], [])).toBe(false);
  });

  it('puts a changed run in place and a new one first, by id as a number', () => {
    const list = [run({ id: '10' }), run({ id: '9' })];
    expect(upsertRun(list, run({ id: '11' })).map((r) => r.id)).toEqual(['11', '10', '9']);
    const paused = upsertRun(list, run({ id: '9', status: 'paused' }));
    expect(paused.map((r) => [r.id, r.status])).toEqual([
      ['10', 'running'],
      ['9', 'paused'],
    ]);
    expect(list.map((r) => r.status)).toEqual(['running', 'running']);
  });

  it('shows every active run and the newest finished ones, folding the older', () => {
    const list = [
      run({ id: '6', status: 'completed' }),
      run({ id: '5', status: 'cancelled' }),
      run({ id: '4', status: 'completed' }),
      run({ id: '3', status: 'paused' }),
      run({ id: '2', status: 'completed' }),
      run({ id: '1', status: 'completed' }),
    ];
    const { shown, older } = splitRuns(list);
    expect(shown.map((r) => r.id)).toEqual(['6', '5', '4', '3']);
    expect(older.map((r) => r.id)).toEqual(['2', '1']);
  });

  it("states a run's scope with its size, as the preview did", () => {
    expect(runScope(run({ total: 8, scope: 'open of cause "x" before 2026-12-05T10:00:00.001Z' }))).toBe(
      '8 records open of cause "x" before 2026-12-05T10:00:00.001Z',
    );
    expect(runScope(run({ total: 1, scope: 'listed by id (open or quarantined)' }))).toBe(
      '1 record listed by id (open or quarantined)',
    );
    expect(runScope(run({ total: 8, scope: '8 records open' }))).toBe('8 records open');
  });

  it('measures progress by decided records, 100 % only when every one is', () => {
    expect(replayProgress(run({ decided: 2, total: 8 }))).toBe(0.25);
    expect(replayPercent(run({ decided: 2, total: 8 }))).toBe(25);
    expect(replayPercent(run({ decided: 7, total: 8 }))).toBe(87.5);
    expect(replayPercent(run({ decided: 9999, total: 10000 }))).toBe(99.9);
    expect(replayPercent(run({ decided: 8, total: 8 }))).toBe(100);
    expect(replayPercent(run({ decided: 0, total: 0, progress: 1 }))).toBe(100);
  });

  it('summarises the first decisions by outcome, and the quarantined', () => {
    expect(
      outcomeSummary(
        run({ outcomes: { unique: 6, duplicate: 1, late: 0, invalid: 0, failed: 0 }, quarantined: 0 }),
      ),
    ).toBe('6 unique, 1 duplicate, 0 late, 0 invalid, 0 failed; 0 quarantined');
    expect(
      outcomeSummary(
        run({ outcomes: { unique: 1200, duplicate: 0, late: 0, invalid: 2, failed: 3 }, quarantined: 1 }),
      ),
    ).toBe('1,200 unique, 0 duplicate, 0 late, 2 invalid, 3 failed; 1 quarantined');
  });

  it('reads the ETA by status', () => {
    expect(replayEtaText(run({ etaSeconds: 125 }))).toBe('ETA 2 min 05 s');
    expect(replayEtaText(run({ etaSeconds: null }))).toBe('ETA –');
    expect(replayEtaText(run({ published: 8, decided: 7 }))).toBe('all sent; 1 record still to be decided');
    expect(replayEtaText(run({ status: 'paused' }))).toBe('paused: nothing more is sent until it is resumed');
    expect(replayEtaText(run({ status: 'completed' }))).toBe('completed');
    expect(replayEtaText(run({ status: 'cancelled' }))).toBe('cancelled');
  });

  it('states the rate against the cap', () => {
    expect(replayRateText(run({ rate: 4.25, maxPerSecond: 1000 }))).toBe('4.3 records/s (cap 1,000/s)');
    expect(replayRateText(run({ rate: Number.NaN }))).toBe('0.0 records/s (cap 100/s)');
  });

  it('offers pause or resume, and cancel, while a run is active; nothing after', () => {
    expect(replayActions('running')).toEqual(['pause', 'cancel']);
    expect(replayActions('paused')).toEqual(['resume', 'cancel']);
    expect(replayActions('completed')).toEqual([]);
    expect(replayActions('cancelled')).toEqual([]);
    expect(replayActions('preview')).toEqual([]);
  });

  it('says what a cancel does to the records sent and not sent', () => {
    expect(cancelQuestion(run({ id: '7', published: 3, total: 8 }))).toBe(
      'Cancel replay 7? Records not yet sent go back to open (5 of 8); the 3 already sent are still ' +
        'decided. This is final.',
    );
  });

  it('reports a start', () => {
    expect(startedMessage(run({ id: '12', total: 1 }))).toBe('Replay 12 started: 1 record.');
  });
});
