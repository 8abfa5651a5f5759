import { formatCount } from './backfill-view';
import { durationText } from './watermarks-view';

/*
 * Quantities as the Overview, Late events and Exactly-once pages print them: counts, rates, shares,
 * durations, bytes. Pure; fixed locale and grouping (the server and the browser must print the same
 * digits). A missing figure (null) is always "–".
 */

export { formatCount } from './backfill-view';

const NONE = '–';

export function countText(n: number | null): string {
  return n === null ? NONE : formatCount(n);
}

/**
 * A share as a percentage: one decimal from 1 % ("50.0 %", "1.2 %"), two significant digits below
 * ("0.12 %", "0.0034 %"), so a small late or abort rate is not shown as "0.0 %". Exactly 0 is "0 %".
 */
export function ratioText(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return NONE;
  if (ratio === 0) return '0 %';
  const percent = ratio * 100;
  if (percent >= 1) return `${percent.toFixed(1)} %`;
  return `${Number(percent.toPrecision(2))} %`;
}

/** Records per second: "1,234/s", "12.5/s", "16/s" (no ".0", so axis ticks read alike), "0.25/s", "0/s". */
export function rateText(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return NONE;
  if (perSecond === 0) return '0/s';
  if (perSecond >= 100) return `${formatCount(Math.round(perSecond))}/s`;
  if (perSecond >= 10) return `${Number(perSecond.toFixed(1))}/s`;
  return `${Number(perSecond.toPrecision(2))}/s`;
}

/**
 * A latency or a lateness, three significant digits under a minute ("0.8 ms", "850 ms", "1.52 s",
 * "12.3 s"), then minutes and hours as the Watermarks page says them ("2 min 10 s").
 */
export function shortDurationText(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NONE;
  const size = Math.abs(ms);
  if (size === 0) return '0 ms';
  if (size < 1) return `${Number(size.toPrecision(1))} ms`;
  if (size < 1_000) return `${Math.round(size)} ms`;
  if (size < 60_000) return `${Number((size / 1_000).toPrecision(3))} s`;
  return durationText(size);
}

/** Seconds, as `shortDurationText` says them. */
export function secondsText(seconds: number | null): string {
  return seconds === null ? NONE : shortDurationText(seconds * 1_000);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Bytes in binary units, three significant digits: "512 B", "1.5 KiB", "23.4 MiB". */
export function bytesText(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1_024 && unit < BYTE_UNITS.length - 1) {
    value /= 1_024;
    unit += 1;
  }
  const digits = unit === 0 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
  return `${digits} ${BYTE_UNITS[unit]}`;
}

/** "1 record", "1,250 records". */
export function recordsText(n: number): string {
  return countOf(n, 'record');
}

/** A count and a noun that takes an s: "1 rebalance", "3 rebalances", "0 rows". */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}
