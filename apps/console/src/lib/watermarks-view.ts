import type { PartitionOwner, PartitionWatermark, WatermarksResponse } from '@dedup/contracts';

/*
 * What the Watermarks page (`/watermarks`) shows, as pure functions: lags in words, a partition's
 * state, its owner, and the anchor `/watermarks#p-3` jumps to. No React, no fetch, no clock, no
 * locale (numbers are grouped by hand, as everywhere in the console).
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
