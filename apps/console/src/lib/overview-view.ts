import {
  OUTCOMES,
  overviewQuerySchema,
  type OverviewQuery,
  type OverviewResponse,
  type Outcome,
} from '@dedup/contracts';
import { duplicateRatio } from './stats-dto';
import { parseSearch, type ParsedSearch, type SearchParams } from './time-range-view';

/*
 * What the Overview (`/`, issue 15 part 1) shows, as pure functions of `GET /api/overview`: the
 * range in the URL, the chart rows, the headline figures. No React, no fetch, no clock.
 */

export const OVERVIEW_PATH = '/';

/** One line per outcome; a Record so a new outcome is a type error until described. */
export const OUTCOME_LABELS: Record<Outcome, { label: string; hint: string }> = {
  unique: { label: 'Unique', hint: 'First sighting of the event id: forwarded' },
  duplicate: { label: 'Duplicate', hint: 'Event id already seen within the dedup window' },
  late: { label: 'Late', hint: 'Arrived behind the watermark, beyond the allowed lateness' },
  invalid: { label: 'Invalid', hint: 'Rejected by the event contract' },
  failed: { label: 'Failed', hint: 'Processing error' },
};

export function parseOverviewSearch(params: SearchParams): ParsedSearch<OverviewQuery> {
  return parseSearch(overviewQuerySchema, params, { range: 'Range' });
}

/** One step of the charts: rates per second, the ratio in percent, the sampled figures as they came. */
export interface OverviewRow extends Record<Outcome, number> {
  /** The step's start, epoch ms (the charts' numeric time axis). */
  readonly t: number;
  readonly throughput: number;
  /** 0–100; null without unique or duplicate records in the step. */
  readonly duplicatePercent: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP99Ms: number | null;
  readonly consumerLag: number | null;
  readonly dlqOpen: number | null;
  readonly dlqOldestAgeSeconds: number | null;
}

/**
 * The chart rows, oldest first. Rates are per second of the part of the step that has passed: the
 * last step ends at the answer's `to` and is usually partial, and dividing its records by the whole
 * step would draw a drop in traffic that did not happen. Throughput is computed the same way from
 * the counts, so it is the stacked rates' top edge.
 */
export function overviewRows(o: Pick<OverviewResponse, 'points' | 'stepSeconds' | 'to'>): OverviewRow[] {
  const toMs = Date.parse(o.to);
  return o.points.map((p) => {
    const t = Date.parse(p.t);
    const elapsedSeconds = elapsedInStep(t, o.stepSeconds, toMs);
    const rate = (n: number) => n / elapsedSeconds;
    const rates = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, rate(p.counts[outcome])])) as Record<
      Outcome,
      number
    >;
    return {
      t,
      ...rates,
      throughput: rate(OUTCOMES.reduce((sum, outcome) => sum + p.counts[outcome], 0)),
      duplicatePercent: p.duplicateRatio === null ? null : p.duplicateRatio * 100,
      latencyP50Ms: p.latencyP50Ms,
      latencyP99Ms: p.latencyP99Ms,
      consumerLag: p.consumerLag,
      dlqOpen: p.dlqOpen,
      dlqOldestAgeSeconds: p.dlqOldestAgeSeconds,
    };
  });
}

/** Seconds of a step that have passed by `toMs`: the whole step, or less for the last one (at least 1 s). */
function elapsedInStep(startMs: number, stepSeconds: number, toMs: number): number {
  if (!Number.isFinite(startMs) || !Number.isFinite(toMs)) return stepSeconds;
  return Math.min(stepSeconds, Math.max(1, (toMs - startMs) / 1_000));
}

/** Every record decided in the range, whatever its outcome. */
export function totalDecided(totals: Record<Outcome, number>): number {
  return OUTCOMES.reduce((sum, outcome) => sum + totals[outcome], 0);
}

/** duplicate / (unique + duplicate) over the range; null when neither happened. */
export function rangeDuplicateRatio(totals: Record<Outcome, number>): number | null {
  return duplicateRatio(totals);
}

/** Decided records per second, averaged over the range (from its first step's start to its end). */
export function averageThroughput(o: Pick<OverviewResponse, 'totals' | 'from' | 'to'>): number | null {
  const seconds = (Date.parse(o.to) - Date.parse(o.from)) / 1_000;
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  return totalDecided(o.totals) / seconds;
}

/** An outcome's share of every decided record in the range, or null when nothing was decided. */
export function outcomeShare(totals: Record<Outcome, number>, outcome: Outcome): number | null {
  const all = totalDecided(totals);
  return all === 0 ? null : totals[outcome] / all;
}

/**
 * A chart's summary for a screen reader and the figure's caption: the latest and the highest value
 * over the range, or that nothing was recorded. `format` prints one value.
 */
export function seriesSummary(values: readonly (number | null)[], format: (value: number) => string): string {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const latest = present.at(-1);
  if (latest === undefined) return 'nothing recorded in the range';
  return `latest ${format(latest)}, highest ${format(Math.max(...present))}`;
}

/** Whether any step has a sample: a chart of sampled figures without one is replaced by a sentence. */
export function hasSamples(values: readonly (number | null)[]): boolean {
  return values.some((v) => v !== null);
}
