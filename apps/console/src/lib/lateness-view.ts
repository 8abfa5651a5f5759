import {
  latenessQuerySchema,
  TIME_RANGES,
  type LatenessAdvice,
  type LatenessPercentiles,
  type LatenessQuery,
  type LatenessResponse,
} from '@dedup/contracts';
import { bytesText, formatCount, ratioText, recordsText, shortDurationText } from './quantity-view';
import { single } from './search-params';
import { hrefWith, parseSearch, RANGE_PARAM, type ParsedSearch, type SearchParams } from './time-range-view';

/*
 * What the Late events page (`/lateness`, issue 15 part 3) shows, as pure functions of
 * `GET /api/lateness`: the range and the topic/partition filter in the URL, the histogram on a log
 * lateness axis, the percentiles and the allowed-lateness advice in words. No React, no fetch.
 */

export const LATENESS_PATH = '/lateness';

const LABELS = { range: 'Range', topic: 'Topic', partition: 'Partition' };

/**
 * The page's search params as the route's query. Digits only for the partition: the schema
 * coerces, and would take `1e2` or `0x3` for one.
 */
export function parseLatenessSearch(params: SearchParams): ParsedSearch<LatenessQuery> {
  const partition = single(params, 'partition');
  if (partition !== undefined && !/^\d{1,7}$/.test(partition)) {
    const raw: Record<string, string> = { partition };
    for (const key of ['range', 'topic'] as const) {
      const value = single(params, key);
      if (value !== undefined) raw[key] = value;
    }
    return { ok: false, problems: ['Partition: a whole number, 0 or more.'], raw };
  }
  return parseSearch(latenessQuerySchema, params, LABELS);
}

/** The query as link parameters (range first), for links that keep it. */
export function latenessParams(query: Partial<LatenessQuery>): Record<string, string | number | undefined> {
  return { [RANGE_PARAM]: query.range, topic: query.topic, partition: query.partition };
}

export interface FilterOption {
  readonly label: string;
  readonly href: string;
  readonly current: boolean;
}

/**
 * The filter's links: every partition, then each input partition with lateness rows in the range
 * (and a topic as a whole when there are several), all keeping the range. A filter the URL asks for
 * that has no rows is listed too, so it stays visible (and can be cleared).
 */
export function filterOptions(
  partitions: LatenessResponse['partitions'],
  query: LatenessQuery,
): FilterOption[] {
  const range = query.range;
  const isCurrent = (topic: string | undefined, partition: number | undefined) =>
    query.topic === topic && query.partition === partition;
  const options: FilterOption[] = [
    {
      label: 'All partitions',
      href: hrefWith(LATENESS_PATH, { [RANGE_PARAM]: range }),
      current: isCurrent(undefined, undefined),
    },
  ];
  const sorted = [...partitions].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const topics = [...new Set(sorted.map((p) => p.topic))];
  const listed = new Set<string>();
  for (const topic of topics) {
    if (topics.length > 1) {
      options.push({
        label: `${topic}, all partitions`,
        href: hrefWith(LATENESS_PATH, { [RANGE_PARAM]: range, topic }),
        current: isCurrent(topic, undefined),
      });
      listed.add(`${topic}/`);
    }
    for (const p of sorted.filter((x) => x.topic === topic)) {
      options.push({
        label: `${p.topic} / ${p.partition}`,
        href: hrefWith(LATENESS_PATH, { [RANGE_PARAM]: range, topic: p.topic, partition: p.partition }),
        current: isCurrent(p.topic, p.partition),
      });
      listed.add(`${p.topic}/${p.partition}`);
    }
  }
  const asked = `${query.topic ?? ''}/${query.partition ?? ''}`;
  if ((query.topic !== undefined || query.partition !== undefined) && !listed.has(asked)) {
    options.push({
      label: filterText(query),
      href: hrefWith(LATENESS_PATH, latenessParams(query)),
      current: true,
    });
  }
  return options;
}

/** The filter in words: "every partition", "events.raw / 2", "events.raw, all partitions", "partition 2". */
export function filterText(query: Pick<LatenessQuery, 'topic' | 'partition'>): string {
  if (query.topic !== undefined && query.partition !== undefined)
    return `${query.topic} / ${query.partition}`;
  if (query.topic !== undefined) return `${query.topic}, all partitions`;
  if (query.partition !== undefined) return `partition ${query.partition}`;
  return 'every partition';
}

/**
 * The histogram's bins, upper edges in ms: about ×2 apart in round numbers of a unit people read
 * (1, 2, 5 ms … 30 s, 1 min … 1 h … 1 d, 2 d, 7 d), so equal-width bars are a log lateness axis.
 * The processor's buckets are far finer (2^(1/16) apart); each goes to the bin holding its middle.
 */
const BIN_EDGES_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
] as const;

export interface HistogramBin {
  /** "1–2 s", "500 ms–1 s", "≤ 1 ms", "> 7 d": the category on the axis. */
  readonly label: string;
  /** Lateness above this … */
  readonly fromMs: number;
  /** … up to this (Infinity for the last bin). */
  readonly toMs: number;
  readonly kept: number;
  readonly late: number;
}

/** The bin index of a lateness: the first whose upper edge is at or above it. */
function binIndex(ms: number): number {
  const i = BIN_EDGES_MS.findIndex((edge) => ms <= edge);
  return i === -1 ? BIN_EDGES_MS.length : i;
}

function binBounds(i: number): { fromMs: number; toMs: number } {
  return { fromMs: BIN_EDGES_MS[i - 1] ?? 0, toMs: BIN_EDGES_MS[i] ?? Infinity };
}

/**
 * The processor's buckets summed into the display bins, from the first non-empty bin to the last
 * (empty ones between kept, so the axis stays even), widened to include the bin of `markMs` (the
 * allowed lateness) when given. A bucket goes to the bin of its geometric middle: a bucket
 * straddling an edge lands on the side holding most of its span on the log scale.
 */
export function histogramBins(
  buckets: LatenessResponse['histogram'],
  markMs: number | null = null,
): HistogramBin[] {
  const kept = new Map<number, number>();
  const late = new Map<number, number>();
  for (const b of buckets) {
    if (b.kept === 0 && b.late === 0) continue;
    const middle = b.fromMs > 0 ? Math.sqrt(b.fromMs * b.toMs) : b.toMs;
    const i = binIndex(middle);
    kept.set(i, (kept.get(i) ?? 0) + b.kept);
    late.set(i, (late.get(i) ?? 0) + b.late);
  }
  const used = [...kept.keys()];
  if (markMs !== null && markMs > 0 && used.length > 0) used.push(binIndex(markMs));
  if (used.length === 0) return [];
  const first = Math.min(...used);
  const last = Math.max(...used);
  const bins: HistogramBin[] = [];
  for (let i = first; i <= last; i += 1) {
    const { fromMs, toMs } = binBounds(i);
    bins.push({
      label: binLabel(fromMs, toMs),
      fromMs,
      toMs,
      kept: kept.get(i) ?? 0,
      late: late.get(i) ?? 0,
    });
  }
  return bins;
}

/** The label of the bin holding `ms`, to mark it on the axis. */
export function binLabelOf(ms: number): string {
  const { fromMs, toMs } = binBounds(binIndex(ms));
  return binLabel(fromMs, toMs);
}

const UNITS = [
  { ms: 86_400_000, unit: 'd' },
  { ms: 3_600_000, unit: 'h' },
  { ms: 60_000, unit: 'min' },
  { ms: 1_000, unit: 's' },
  { ms: 1, unit: 'ms' },
] as const;

/** An edge as a number and a unit: 500 → [500, ms], 30 000 → [30, s], 7 200 000 → [2, h]. */
function edgeParts(ms: number): { n: number; unit: string } {
  // Every edge is a whole number of ms, so the last unit always matches.
  const unit = UNITS.find((u) => ms >= u.ms && ms % u.ms === 0) ?? { ms: 1, unit: 'ms' };
  return { n: ms / unit.ms, unit: unit.unit };
}

function binLabel(fromMs: number, toMs: number): string {
  if (fromMs === 0) return `≤ ${edgeText(toMs)}`;
  if (toMs === Infinity) return `> ${edgeText(fromMs)}`;
  const a = edgeParts(fromMs);
  const b = edgeParts(toMs);
  return a.unit === b.unit ? `${a.n}–${b.n} ${b.unit}` : `${a.n} ${a.unit}–${b.n} ${b.unit}`;
}

function edgeText(ms: number): string {
  const { n, unit } = edgeParts(ms);
  return `${n} ${unit}`;
}

export const PERCENTILES: readonly { key: keyof LatenessPercentiles; label: string }[] = [
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p99', label: 'p99' },
  { key: 'p999', label: 'p99.9' },
];

/** A percentile's value, or "–" when there was nothing to rank. */
export function percentileText(
  percentiles: LatenessPercentiles | null,
  key: keyof LatenessPercentiles,
): string {
  return percentiles === null ? '–' : shortDurationText(percentiles[key]);
}

/** "the last 1 hour" */
export function rangeWords(range: LatenessResponse['range']): string {
  return `the last ${TIME_RANGES[range].label}`;
}

/**
 * The headline in words: "12 of 48,000 records (0.025 %) were late in the last 1 hour; 310 more
 * arrived behind the watermark but within the allowed lateness (5 s) and were decided normally."
 */
export function lateSummary(
  r: Pick<LatenessResponse, 'late' | 'behind' | 'decided' | 'lateRate' | 'allowedLatenessMs' | 'range'>,
): string {
  const within = r.behind - r.late;
  const when = rangeWords(r.range);
  if (r.decided === 0) return `No valid record was decided in ${when}.`;
  const allowed = shortDurationText(r.allowedLatenessMs);
  const lateText =
    r.late === 0
      ? `No record was late in ${when}`
      : `${formatCount(r.late)} of ${recordsText(r.decided)} (${ratioText(r.lateRate)}) ${r.late === 1 ? 'was' : 'were'} late in ${when}`;
  const withinText =
    within === 0
      ? r.late === 0
        ? '; none arrived behind the watermark.'
        : '.'
      : `; ${recordsText(within)} arrived behind the watermark but within the allowed lateness (${allowed}) and ${within === 1 ? 'was' : 'were'} decided normally.`;
  return `${lateText}${withinText}`;
}

/** The share of the late records an advice row keeps: "99 %", "99.9 %". */
export function keepText(keep: number): string {
  return `${Number((keep * 100).toPrecision(4))} %`;
}

/**
 * One advice row in plain words: what allowed lateness would have kept that share of the late
 * records, how many that is, and what it costs in dedup state.
 */
export function adviceText(
  a: LatenessAdvice,
  r: Pick<LatenessResponse, 'allowedLatenessMs' | 'late' | 'range'>,
): string {
  const share = keepText(a.keep);
  const now = shortDurationText(r.allowedLatenessMs);
  if (a.allowedLatenessMs <= r.allowedLatenessMs) {
    return `The allowed lateness now (${now}) already keeps ${share} of the late records: nothing to change.`;
  }
  return (
    `To keep ${share} of the late records, allow ${shortDurationText(a.allowedLatenessMs)} of lateness ` +
    `(now ${now}). Over ${rangeWords(r.range)} that would have kept ${formatCount(a.wouldKeep)} of the ` +
    `${recordsText(r.late)} that were late, and holds about ${formatCount(a.extraStateRows)} more dedup ` +
    `state rows (${bytesText(a.extraStateBytes)}) at the current rate of new keys.`
  );
}

/** The cost column: "+3,400 rows (1.2 MiB)". */
export function stateCostText(a: Pick<LatenessAdvice, 'extraStateRows' | 'extraStateBytes'>): string {
  return `+${formatCount(a.extraStateRows)} ${a.extraStateRows === 1 ? 'row' : 'rows'} (${bytesText(a.extraStateBytes)})`;
}
