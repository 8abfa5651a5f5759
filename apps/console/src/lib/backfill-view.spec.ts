import { BACKFILL_STATUSES } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  allowedActions,
  confirmQuestion,
  describeOffsets,
  estimatedDurationSeconds,
  formatCount,
  formatDuration,
  partitionProgress,
  progressPercent,
} from './backfill-view';

describe('allowedActions', () => {
  it('offers pause and cancel while running, resume and cancel while paused', () => {
    expect(allowedActions('running')).toEqual(['pause', 'cancel']);
    expect(allowedActions('paused')).toEqual(['resume', 'cancel']);
  });

  it('offers nothing for a finished job or a preview', () => {
    for (const status of ['completed', 'cancelled', 'failed', 'preview'] as const) {
      expect(allowedActions(status)).toEqual([]);
    }
  });

  it('never offers the action that would leave the status unchanged', () => {
    for (const status of BACKFILL_STATUSES) {
      const actions = allowedActions(status);
      if (status === 'running') expect(actions).not.toContain('resume');
      if (status === 'paused') expect(actions).not.toContain('pause');
    }
  });
});

describe('confirmQuestion', () => {
  const job = {
    id: '3',
    sourceTopic: 'events.raw',
    targetTopic: 'events.backfill',
    processedRecords: 1234,
    totalRecords: 5000,
  };

  it('states the scope: id, topics and records done', () => {
    expect(confirmQuestion('cancel', job)).toBe(
      'Cancel backfill 3: events.raw → events.backfill, 1,234 of 5,000 records done?',
    );
    expect(confirmQuestion('pause', job)).toMatch(/^Pause backfill 3: /);
    expect(confirmQuestion('resume', job)).toMatch(/^Resume backfill 3: /);
  });
});

describe('progressPercent', () => {
  it('rounds down so only a finished job reads 100 %', () => {
    expect(progressPercent(0.9996)).toBe(99.9);
    expect(progressPercent(1)).toBe(100);
    expect(progressPercent(0.2468)).toBe(24.6);
  });

  it('clamps nonsense to the bar', () => {
    expect(progressPercent(0)).toBe(0);
    expect(progressPercent(-1)).toBe(0);
    expect(progressPercent(Number.NaN)).toBe(0);
    expect(progressPercent(1.5)).toBe(100);
  });
});

describe('formatDuration', () => {
  it.each([
    [null, '–'],
    [0, '0 s'],
    [0.2, '<1 s'],
    [1.2, '2 s'],
    [59, '59 s'],
    [60, '1 min 00 s'],
    [200, '3 min 20 s'],
    [3_600, '1 h 00 min'],
    [7_620, '2 h 07 min'],
    [90_000 + 14_400, '1 d 5 h'],
    [-1, '–'],
    [Number.POSITIVE_INFINITY, '–'],
  ])('%p s reads %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('estimatedDurationSeconds', () => {
  it('is the records over the rate limit', () => {
    expect(estimatedDurationSeconds(5000, 500)).toBe(10);
    expect(estimatedDurationSeconds(0, 500)).toBe(0);
  });

  it('is unknown without a positive rate', () => {
    expect(estimatedDurationSeconds(5000, 0)).toBeNull();
  });
});

describe('formatCount', () => {
  it('groups thousands the same way on server and browser', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
  });
});

describe('describeOffsets', () => {
  it('lists partitions in order, start inclusive to end exclusive', () => {
    expect(
      describeOffsets([
        { partition: 1, start: '0', end: '50' },
        { partition: 0, start: '10', end: '200' },
      ]),
    ).toBe('p0 10–200, p1 0–50');
  });
});

describe('partitionProgress', () => {
  const partition = {
    partition: 0,
    startOffset: '0',
    endOffset: '10',
    nextOffset: '5',
    totalRecords: 10,
    processedRecords: 5,
    done: false,
  };

  it('is processed over total, and done for an empty partition', () => {
    expect(partitionProgress(partition)).toBe(0.5);
    expect(partitionProgress({ ...partition, totalRecords: 0, processedRecords: 0 })).toBe(1);
  });
});
