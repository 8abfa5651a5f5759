import { exactlyOnceQuerySchema, type ExactlyOnceQuery, type ExactlyOnceResponse } from '@dedup/contracts';
import { formatCount, ratioText, secondsText } from './quantity-view';
import { parseSearch, type ParsedSearch, type SearchParams } from './time-range-view';

/*
 * What the Exactly-once page (`/exactly-once`, issue 15 part 5) and the Overview's tile show, as
 * pure functions of `GET /api/exactly-once`: whether the guarantee is on, whether it looks healthy and
 * why, the chart rows and the tables' text. No React, no fetch, no clock.
 */

export const EXACTLY_ONCE_PATH = '/exactly-once';

export function parseExactlyOnceSearch(params: SearchParams): ParsedSearch<ExactlyOnceQuery> {
  return parseSearch(exactlyOnceQuerySchema, params, { range: 'Range' });
}

/** The contract's guarantee is a string, so that a future mode reads as itself rather than failing. */
export function isExactlyOnce(guarantee: string): boolean {
  return guarantee === 'exactly_once';
}

/** "exactly once", "at least once", or an unknown mode as the processor spells it. */
export function guaranteeText(guarantee: string): string {
  switch (guarantee) {
    case 'exactly_once':
      return 'exactly once';
    case 'at_least_once':
      return 'at least once';
    default:
      return guarantee;
  }
}

/**
 * An abort ratio at or above this over the range asks for a look: an abort is normal after a
 * rebalance or a restart, so a few are expected; one in a hundred transactions is not a hiccup.
 */
export const ABORT_RATIO_ATTENTION = 0.01;

export type HealthLevel = 'ok' | 'attention' | 'off';

export interface ExactlyOnceHealth {
  readonly level: HealthLevel;
  /** A few words: "Healthy", "Needs a look", "Not in use". */
  readonly headline: string;
  /** Why, in a sentence or two. */
  readonly reasons: string[];
}

/**
 * The health in a word and why, the main reason first. `off`: the pipeline runs at least once (no
 * transactions, and a crash can repeat output). `attention`: a producer was fenced, or the abort
 * ratio reached ABORT_RATIO_ATTENTION. Rebalances alone are not a fault, and neither is an output
 * probe that failed or has not run yet (the first 10 s): it is said last, as a note.
 */
export function exactlyOnceHealth(
  r: Pick<ExactlyOnceResponse, 'guarantee' | 'totals' | 'abortRatio' | 'outputsError'>,
): ExactlyOnceHealth {
  if (!isExactlyOnce(r.guarantee)) {
    return {
      level: 'off',
      headline: 'Not in use',
      reasons: [
        `The pipeline runs ${guaranteeText(r.guarantee)}: output is written without Kafka transactions, so a crash between writing a batch and committing its offsets writes that batch again.`,
      ],
    };
  }
  const reasons: string[] = [];
  if (r.totals.fenced > 0) {
    reasons.push(
      `A producer was fenced ${timesText(r.totals.fenced)}: another instance took over its transactional id, and its open transaction was aborted.`,
    );
  }
  if (r.abortRatio !== null && r.abortRatio >= ABORT_RATIO_ATTENTION) {
    reasons.push(
      `${ratioText(r.abortRatio)} of the transactions were aborted (${formatCount(r.totals.aborted)} of ${formatCount(r.totals.committed + r.totals.aborted)}).`,
    );
  }
  const note =
    r.outputsError === null
      ? []
      : [`The output partitions' last stable offsets are unknown: ${r.outputsError}.`];
  if (reasons.length > 0)
    return { level: 'attention', headline: 'Needs a look', reasons: [...reasons, ...note] };
  const committed = r.totals.committed;
  return {
    level: 'ok',
    headline: 'Healthy',
    reasons: [
      committed === 0
        ? 'No transaction counted in the range yet (each instance reports them every 10 s).'
        : `${formatCount(committed)} ${committed === 1 ? 'transaction' : 'transactions'} committed, ${r.totals.aborted === 0 ? 'none' : formatCount(r.totals.aborted)} aborted, no producer fenced.`,
      ...note,
    ],
  };
}

/** "once", "twice", "3 times". */
export function timesText(n: number): string {
  if (n === 1) return 'once';
  if (n === 2) return 'twice';
  return `${formatCount(n)} times`;
}

export interface TransactionRow {
  readonly t: number;
  readonly committed: number;
  readonly aborted: number;
  readonly fenced: number;
  readonly rebalances: number;
}

/** The charts' rows, oldest first, the step's start as epoch ms. */
export function transactionRows(r: Pick<ExactlyOnceResponse, 'points'>): TransactionRow[] {
  return r.points.map((p) => ({
    t: Date.parse(p.t),
    committed: p.committed,
    aborted: p.aborted,
    fenced: p.fenced,
    rebalances: p.rebalances,
  }));
}

/** Output partitions, the most held back first, then by topic and partition. */
export function sortedOutputs(outputs: ExactlyOnceResponse['outputs']): ExactlyOnceResponse['outputs'] {
  return [...outputs].sort(
    (a, b) =>
      b.lastStableOffsetLag - a.lastStableOffsetLag ||
      a.topic.localeCompare(b.topic) ||
      a.partition - b.partition,
  );
}

/**
 * A last-stable-offset lag in words: 0 is "none: every record is visible"; more is the records
 * written inside transactions not yet committed or aborted, which read_committed readers wait for.
 */
export function lsoLagText(lag: number): string {
  if (lag === 0) return 'none';
  return `${formatCount(lag)} ${lag === 1 ? 'record' : 'records'} not yet visible`;
}

/** Time since an input partition's last committed batch, or why there is none. */
export function sinceCommitText(input: ExactlyOnceResponse['inputs'][number]): string {
  if (input.lastCommitAt === null || input.secondsSinceCommit === null) return 'never committed';
  return `${secondsText(input.secondsSinceCommit)} ago`;
}
