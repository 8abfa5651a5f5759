import {
  TIME_RANGES,
  watermarksQuerySchema,
  type PartitionOwner,
  type PartitionWatermark,
  type WatermarkHistory,
  type WatermarksQuery,
  type WatermarksResponse,
} from '@dedup/contracts';
import { parseSearch, type ParsedSearch, type SearchParams } from './time-range-view';

/*
 * What the Watermarks page (`/watermarks`) shows, as pure functions: lags in words, a partition's
 * state, its owner, the anchor `/watermarks#p-3` jumps to, and the lag-over-time chart's rows and
 * lines (`?range=`); and the Overview's strip of partitions in the same words. No React, no fetch,
 * no clock, no locale (numbers are grouped by hand, as everywhere in the console).
 */

export const WATERMARKS_PATH = '/watermarks';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A duration for a person, to two units at most: "850 ms", "4 s", "2 min 10 s", "3 h", "1 h 5 min",
 * "2 d 4 h". Truncated, never rounded up: "59 s" is never shown as "1 min". Negative counts as its
 * size (the caller says which way).
 */
export function durationText(ms: number): string {
  const size = Math.abs(Math.trunc(ms));
  if (size < SECOND) return `${size} ms`;
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) => {
    const a = Math.floor(size / big);
    const b = Math.floor((size % big) / small);
    return b === 0 ? `${a} ${bigUnit}` : `${a} ${bigUnit} ${b} ${smallUnit}`;
  };
  if (size < MINUTE) return `${Math.floor(size / SECOND)} s`;
  if (size < HOUR) return two(MINUTE, 'min', SECOND, 's');
  if (size < DAY) return two(HOUR, 'h', MINUTE, 'min');
  return two(DAY, 'd', HOUR, 'h');
}

/**
 * Event-time lag behind the wall clock. A watermark ahead of the clock (producers' clocks ahead,
 * within maxFutureSkewMs) is said so rather than shown as a negative lag.
 */
export function lagText(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 0 ? `${durationText(ms)} ahead` : durationText(ms);
}

/** "1,234,567": consumer lag, grouped; "unknown" when Kafka could not be asked. */
export function recordsBehindText(records: number | null): string {
  if (records === null) return 'unknown';
  return String(records).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Active, idle for how long, or never seen (which holds nothing back either). */
export function stateText(p: Pick<PartitionWatermark, 'idle' | 'idleForMs' | 'lastRecordAt'>): string {
  if (!p.idle) return 'active';
  if (p.lastRecordAt === null || p.idleForMs === null) return 'no records yet';
  return `idle for ${durationText(p.idleForMs)}`;
}

/** What a partition does to the pipeline watermark now: the one it waits for, another active one, or none. */
export type PartitionRole = 'holds-back' | 'active' | 'idle';

/** One partition in a strip of them (the Overview's), each linking to its row on this page. */
export interface PartitionStripRow {
  readonly partition: number;
  readonly role: PartitionRole;
  /** "holds the watermark back", "active", "idle for 2 min", "no records yet". */
  readonly state: string;
  readonly recordsBehind: string;
  readonly lag: string;
  /** `/watermarks#p-3`: the strip shows the input topic, so no `?topic=`. */
  readonly href: string;
}

/**
 * What a strip asks the processor for: it draws no lag chart, and the shortest range keeps the
 * answer's history (a row per minute per partition) small.
 */
export const STRIP_QUERY: WatermarksQuery = { range: '15m' };

/**
 * Each input partition in the Watermarks table's words, in its order, for a page that shows only
 * a few columns: the partition holding the pipeline watermark back is named so instead of "active"
 * (it is active by definition).
 */
export function partitionStrip(
  w: Pick<WatermarksResponse, 'heldBackBy' | 'partitions'>,
): PartitionStripRow[] {
  return w.partitions.map((p) => {
    const role: PartitionRole = p.partition === w.heldBackBy ? 'holds-back' : p.idle ? 'idle' : 'active';
    return {
      partition: p.partition,
      role,
      state: role === 'holds-back' ? 'holds the watermark back' : stateText(p),
      recordsBehind: recordsBehindText(p.recordsBehind),
      lag: lagText(p.eventTimeLagMs),
      href: partitionHref(p.partition),
    };
  });
}

/**
 * The answering processor names only the partitions it consumes; the data plane records no owner,
 * so for any other the truthful answer is "another instance, or none".
 */
export function ownerText(owner: PartitionOwner | null): string {
  return owner === null ? 'another instance, or none' : `this instance (${owner.instance})`;
}

/** The row's anchor: `/watermarks#p-3` scrolls to partition 3. */
export function partitionAnchor(partition: number): string {
  return `p-${partition}`;
}

/**
 * A partition's watermark row, from any page. The page shows the pipeline's input topic, which the
 * other pages do not know: they pass the record's topic, and the Watermarks page says so when it is
 * another one (a backfill's source, the DLQ of another pipeline) rather than point at a wrong row.
 */
export function partitionHref(partition: number, topic?: string): string {
  const search = topic === undefined ? '' : `?${new URLSearchParams({ topic }).toString()}`;
  return `${WATERMARKS_PATH}${search}#${partitionAnchor(partition)}`;
}

/** The note shown when a link named a topic that is not the input topic the page shows; else null. */
export function otherTopicNote(askedTopic: string | null, inputTopic: string): string | null {
  if (askedTopic === null || askedTopic === inputTopic) return null;
  return (
    `The link was for a partition of ${askedTopic}, which is not the pipeline's input topic: ` +
    `watermarks are kept for ${inputTopic} only, so the rows below are not about it.`
  );
}

/** The pipeline watermark's lag behind the answer's clock, in ms; null without a watermark. */
export function pipelineLagMs(w: Pick<WatermarksResponse, 'now' | 'pipelineWatermark'>): number | null {
  if (w.pipelineWatermark === null) return null;
  return Date.parse(w.now) - Date.parse(w.pipelineWatermark);
}

/** One sentence under the pipeline watermark: why it stands where it stands. */
export function heldBackText(
  w: Pick<WatermarksResponse, 'heldBackBy' | 'partitions' | 'pipelineWatermark'>,
): string {
  if (w.pipelineWatermark === null) return 'No record observed yet: nothing is late.';
  if (w.heldBackBy === null) {
    return 'Every partition is idle: the watermark stays where the last batch left it.';
  }
  const active = w.partitions.filter((p) => !p.idle).length;
  return active === 1
    ? `Partition ${w.heldBackBy} is the only active partition.`
    : `Partition ${w.heldBackBy} is the slowest of ${active} active partitions: it holds the watermark back.`;
}

/** The page's `?range=` (the lag chart's span) as the route's query; `?topic=` is read on its own. */
export function parseWatermarksSearch(params: SearchParams): ParsedSearch<WatermarksQuery> {
  return parseSearch(watermarksQuerySchema, params, { range: 'Range' });
}

/** A partition's key in the chart's rows: `p3` (the row anchor is `p-3`). */
export type LagKey = `p${number}`;

/** One step of the lag chart: its start (epoch ms) and each partition's largest lag in it, in ms. */
export type LagRow = { readonly t: number } & { readonly [key: LagKey]: number | null };

export function lagKey(partition: number): LagKey {
  return `p${partition}`;
}

/** The chart's rows, oldest first; a partition without a sample in a step is null there (a gap). */
export function lagRows(history: Pick<WatermarkHistory, 'partitions' | 'points'>): LagRow[] {
  return history.points.map((point) => {
    const row: Record<string, number | null> = { t: Date.parse(point.t) };
    for (const partition of history.partitions) row[lagKey(partition)] = point.lagMs[partition] ?? null;
    return row as LagRow;
  });
}

export interface LagLine {
  readonly partition: number;
  readonly key: LagKey;
  /** "Partition 1", and why it is marked: "Partition 1, holds the watermark back". */
  readonly label: string;
  readonly holdsBack: boolean;
  /** The partition's row on this page. */
  readonly href: string;
}

/**
 * One line per partition with a sample in the range, by partition number; the one holding the
 * pipeline watermark back now is marked (a partition without a watermark has no lag to draw).
 */
export function lagLines(
  history: Pick<WatermarkHistory, 'partitions'>,
  heldBackBy: number | null,
): LagLine[] {
  return history.partitions.map((partition) => {
    const holdsBack = partition === heldBackBy;
    return {
      partition,
      key: lagKey(partition),
      label: holdsBack ? `Partition ${partition}, holds the watermark back` : `Partition ${partition}`,
      holdsBack,
      href: `#${partitionAnchor(partition)}`,
    };
  });
}

/**
 * The time axis: from the first step's start to the answer's clock (the last step holds it). The
 * processor always answers every step of the range; without one, the range's span before `now`.
 */
export function lagAxis(
  history: Pick<WatermarkHistory, 'range' | 'points'>,
  now: string,
): { fromMs: number; toMs: number } {
  const toMs = Date.parse(now);
  const first = history.points[0];
  return {
    fromMs: first === undefined ? toMs - TIME_RANGES[history.range].spanSeconds * 1_000 : Date.parse(first.t),
    toMs,
  };
}

/**
 * A lag for the chart's axis and tooltip, in one unit: seconds up to 2 min, minutes up to 2 h,
 * hours up to 2 d, then days; two significant digits below 10 ("0 s", "850 ms", "80 s", "2.5 min",
 * "90 min", "36 h", "3 d"). An axis tick has room for about nine characters ("2 min 10 s" does not
 * fit), and the axis's round steps (20 s, 40 s, 60 s, 80 s) stay round.
 */
export function lagAxisText(ms: number): string {
  const size = Math.max(0, ms);
  if (size === 0) return '0 s';
  if (size < SECOND) return `${Math.round(size)} ms`;
  const units = [
    [2 * DAY, DAY, 'd'],
    [2 * HOUR, HOUR, 'h'],
    [2 * MINUTE, MINUTE, 'min'],
    [0, SECOND, 's'],
  ] as const;
  const [, unit, name] = units.find(([from]) => size >= from) ?? units[3];
  const value = size / unit;
  return `${value >= 10 ? Math.round(value) : Number(value.toPrecision(2))} ${name}`;
}

/**
 * The chart's summary, for the caption and a screen reader: the largest lag in the latest step with
 * a sample and the largest over the range, each with its partition, in the table's words.
 */
export function lagSummary(history: Pick<WatermarkHistory, 'points'>): string {
  const largest = (lagMs: Readonly<Record<string, number>>) =>
    Object.entries(lagMs).reduce<{ partition: string; ms: number } | null>(
      (max, [partition, ms]) => (max === null || ms > max.ms ? { partition, ms } : max),
      null,
    );
  const perStep = history.points.map((p) => largest(p.lagMs)).filter((m) => m !== null);
  const latest = perStep.at(-1);
  if (latest === undefined) return 'nothing sampled in the range';
  const highest = perStep.reduce((max, m) => (m.ms > max.ms ? m : max));
  const said = (m: { partition: string; ms: number }) => `${durationText(m.ms)} (partition ${m.partition})`;
  return `latest ${said(latest)}, highest ${said(highest)}`;
}

/**
 * Which input partitions have no line, said under the chart: they had no watermark sampled in the
 * range (no record yet, or the samples are older). Null when every partition has a line.
 */
export function unchartedText(
  partitions: readonly Pick<PartitionWatermark, 'partition'>[],
  history: Pick<WatermarkHistory, 'partitions'>,
): string | null {
  const charted = new Set(history.partitions);
  const missing = partitions.map((p) => p.partition).filter((p) => !charted.has(p));
  if (missing.length === 0) return null;
  const list =
    missing.length === 1
      ? `Partition ${missing[0]} has`
      : `Partitions ${missing.slice(0, -1).join(', ')} and ${missing.at(-1)} have`;
  return `${list} no watermark sampled in the range, so no line.`;
}
