import type { ExactlyOnceResponse } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  exactlyOnceHealth,
  guaranteeText,
  lsoLagText,
  parseExactlyOnceSearch,
  sinceCommitText,
  sortedOutputs,
  timesText,
  transactionRows,
} from './exactly-once-view';

const totals = (over: Partial<ExactlyOnceResponse['totals']> = {}) => ({
  committed: 0,
  aborted: 0,
  fenced: 0,
  rebalances: 0,
  ...over,
});

describe('exactlyOnceHealth', () => {
  it('says plainly that an at-least-once pipeline has no transactions', () => {
    const health = exactlyOnceHealth({
      guarantee: 'at_least_once',
      totals: totals(),
      abortRatio: null,
      outputsError: null,
    });
    expect(health.level).toBe('off');
    expect(health.reasons[0]).toMatch(
      /^The pipeline runs at least once: output is written without Kafka transactions/,
    );
  });

  it('is healthy with commits, a few aborts and rebalances', () => {
    const health = exactlyOnceHealth({
      guarantee: 'exactly_once',
      totals: totals({ committed: 1_000, aborted: 2, rebalances: 3 }),
      abortRatio: 2 / 1_002,
      outputsError: null,
    });
    expect(health).toEqual({
      level: 'ok',
      headline: 'Healthy',
      reasons: ['1,000 transactions committed, 2 aborted, no producer fenced.'],
    });
  });

  it('asks for a look when fenced or when aborts reach 1 %, and notes outputs it could not read', () => {
    const health = exactlyOnceHealth({
      guarantee: 'exactly_once',
      totals: totals({ committed: 99, aborted: 1, fenced: 2 }),
      abortRatio: 0.01,
      outputsError: 'broker unreachable',
    });
    expect(health.level).toBe('attention');
    expect(health.reasons).toEqual([
      'A producer was fenced twice: another instance took over its transactional id, and its open transaction was aborted.',
      '1.0 % of the transactions were aborted (1 of 100).',
      "The output partitions' last stable offsets are unknown: broker unreachable.",
    ]);
  });

  it('stays healthy while the output probe has not run, saying so after the main reason', () => {
    const health = exactlyOnceHealth({
      guarantee: 'exactly_once',
      totals: totals({ committed: 3 }),
      abortRatio: 0,
      outputsError: 'not probed yet',
    });
    expect(health).toEqual({
      level: 'ok',
      headline: 'Healthy',
      reasons: [
        '3 transactions committed, none aborted, no producer fenced.',
        "The output partitions' last stable offsets are unknown: not probed yet.",
      ],
    });
  });

  it('says when no transaction has been counted', () => {
    const health = exactlyOnceHealth({
      guarantee: 'exactly_once',
      totals: totals(),
      abortRatio: null,
      outputsError: null,
    });
    expect(health.reasons).toEqual([
      'No transaction counted in the range yet (each instance reports them every 10 s).',
    ]);
  });
});

describe('words', () => {
  it('spells the guarantee, a count of times, a lag, a time since the last commit', () => {
    expect(guaranteeText('exactly_once')).toBe('exactly once');
    expect(guaranteeText('at_least_once')).toBe('at least once');
    expect(guaranteeText('someday')).toBe('someday');
    expect([1, 2, 1_500].map(timesText)).toEqual(['once', 'twice', '1,500 times']);
    expect(lsoLagText(0)).toBe('none');
    expect(lsoLagText(1)).toBe('1 record not yet visible');
    expect(lsoLagText(2_500)).toBe('2,500 records not yet visible');
    expect(sinceCommitText({ partition: 0, lastCommitAt: null, secondsSinceCommit: null })).toBe(
      'never committed',
    );
    expect(
      sinceCommitText({ partition: 0, lastCommitAt: '2026-12-05T10:00:00Z', secondsSinceCommit: 4.2 }),
    ).toBe('4.2 s ago');
  });
});

describe('rows and tables', () => {
  it('keeps the steps in order with epoch-ms times', () => {
    expect(
      transactionRows({
        points: [{ t: '2026-12-05T10:00:00.000Z', committed: 5, aborted: 1, fenced: 0, rebalances: 1 }],
      }),
    ).toEqual([
      { t: Date.parse('2026-12-05T10:00:00.000Z'), committed: 5, aborted: 1, fenced: 0, rebalances: 1 },
    ]);
  });

  it('lists the most held-back output partition first', () => {
    const sorted = sortedOutputs([
      { topic: 'b', partition: 1, lastStableOffsetLag: 0 },
      { topic: 'a', partition: 2, lastStableOffsetLag: 0 },
      { topic: 'b', partition: 0, lastStableOffsetLag: 7 },
      { topic: 'a', partition: 1, lastStableOffsetLag: 0 },
    ]);
    expect(sorted.map((o) => `${o.topic}/${o.partition}`)).toEqual(['b/0', 'a/1', 'a/2', 'b/1']);
  });

  it('parses the range with the route’s schema', () => {
    expect(parseExactlyOnceSearch({ range: '7d' })).toEqual({ ok: true, query: { range: '7d' } });
    expect(parseExactlyOnceSearch({ range: '1d' }).ok).toBe(false);
  });
});
