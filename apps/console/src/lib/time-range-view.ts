import { DEFAULT_TIME_RANGE, TIME_RANGE_IDS, TIME_RANGES, type TimeRange } from '@dedup/contracts';
import type { z } from 'zod';
import { quote, single, type SearchParams } from './search-params';

/*
 * The time range of the Overview, Late events and Exactly-once pages (`?range=15m`, issue 15) and
 * their charts' time axis, as pure functions: the picker's links, the range in words, the ticks. No
 * React, no fetch. Clock text is in the zone of whoever runs it (the browser, for the charts).
 */

export type { SearchParams } from './search-params';
export { DEFAULT_TIME_RANGE, TIME_RANGE_IDS, TIME_RANGES, type TimeRange };

export const RANGE_PARAM = 'range';

/** Every page that shows a range polls its data this often; the 15-minute range is drawn in 10-s steps. */
export const INSIGHTS_POLL_INTERVAL_MS = 5_000;

/**
 * `href` with `params` (empty ones dropped) as its query, in the order given: the page's own links
 * keep its filters. `/lateness?range=6h&topic=events.raw&partition=2`.
 */
export function hrefWith(
  path: string,
  params: Readonly<Record<string, string | number | undefined>>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  return search.size === 0 ? path : `${path}?${search.toString()}`;
}

export interface RangeOption {
  readonly range: TimeRange;
  /** Short, for the picker's button: "15m", "7d". */
  readonly short: string;
  /** For a screen reader and the tooltip: "the last 15 minutes". */
  readonly label: string;
  readonly href: string;
  readonly current: boolean;
}

/**
 * The picker's five links, each keeping the page's other parameters (`keep`). The default range is
 * spelled out in the URL too, so a copied link means the same thing after the default changes.
 */
export function rangeOptions(
  path: string,
  current: TimeRange | null,
  keep: Readonly<Record<string, string | number | undefined>> = {},
): RangeOption[] {
  return TIME_RANGE_IDS.map((range) => ({
    range,
    short: range,
    label: `the last ${TIME_RANGES[range].label}`,
    href: hrefWith(path, { [RANGE_PARAM]: range, ...withoutRange(keep) }),
    current: range === current,
  }));
}

function withoutRange(
  params: Readonly<Record<string, string | number | undefined>>,
): Record<string, string | number | undefined> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => key !== RANGE_PARAM));
}

/** "the last 1 hour, in 1-minute steps" */
export function rangeCaption(range: TimeRange, stepSeconds: number): string {
  return `the last ${TIME_RANGES[range].label}, in ${stepText(stepSeconds)} steps`;
}

/** A chart step as an adjective: "10-second", "1-minute", "15-minute", "1-hour". */
export function stepText(stepSeconds: number): string {
  if (stepSeconds % 3_600 === 0) return `${stepSeconds / 3_600}-hour`;
  if (stepSeconds % 60 === 0) return `${stepSeconds / 60}-minute`;
  return `${stepSeconds}-second`;
}

/** The search params the picker reads: only `range`, the rest is the page's business. */
export function rangeFrom(params: SearchParams): string | undefined {
  return single(params, RANGE_PARAM);
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Minutes between two ticks of the time axis, per range: about six ticks across a chart. */
const TICK_EVERY_MINUTES: Record<TimeRange, number> = {
  '15m': 3,
  '1h': 10,
  '6h': 60,
  '24h': 180,
  '7d': 24 * 60,
};

/**
 * The time axis's ticks between `fromMs` and `toMs`: round local times (every 3 minutes for 15m, every
 * 10 for 1h, hourly for 6h, every 3 hours for 24h, local midnights for 7d), so a tick never reads
 * "14:07". Days are stepped by the calendar, so a daylight-saving change keeps them at midnight.
 */
export function timeTicks(fromMs: number, toMs: number, range: TimeRange): number[] {
  const every = TICK_EVERY_MINUTES[range];
  const at = new Date(fromMs);
  if (every >= 24 * 60) {
    at.setHours(0, 0, 0, 0);
  } else {
    const minuteOfDay =
      at.getHours() * 60 + at.getMinutes() + (at.getSeconds() > 0 || at.getMilliseconds() > 0 ? 1 : 0);
    at.setHours(0, Math.ceil(minuteOfDay / every) * every, 0, 0);
  }
  const ticks: number[] = [];
  while (at.getTime() <= toMs) {
    if (at.getTime() >= fromMs) ticks.push(at.getTime());
    if (every >= 24 * 60) at.setDate(at.getDate() + 1);
    else at.setTime(at.getTime() + every * 60_000);
  }
  return ticks;
}

/**
 * A tick's text in local time: the clock ("14:05") within a day, the date for the week ("Dec 5").
 * 24-hour clock, English month names, no locale lookup: the server and the browser print the same.
 */
export function timeTickText(ms: number, range: TimeRange): string {
  const at = new Date(ms);
  if (range === '7d') return `${MONTHS[at.getMonth()]} ${at.getDate()}`;
  return `${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

/** A step's start and end in local time, for a tooltip: "14:05–14:06", "14:05:10–14:05:20", "Dec 5 14:00–15:00". */
export function stepSpanText(startMs: number, stepSeconds: number, range: TimeRange): string {
  const clock = (d: Date) =>
    `${pad(d.getHours())}:${pad(d.getMinutes())}${stepSeconds < 60 ? `:${pad(d.getSeconds())}` : ''}`;
  const at = new Date(startMs);
  const span = `${clock(at)}–${clock(new Date(startMs + stepSeconds * 1_000))}`;
  return range === '7d' ? `${MONTHS[at.getMonth()]} ${at.getDate()} ${span}` : span;
}

export type ParsedSearch<Q> =
  | { readonly ok: true; readonly query: Q }
  /** `raw`: what the URL held for the schema's keys, to keep in the page's links while it is fixed. */
  | { readonly ok: false; readonly problems: string[]; readonly raw: Readonly<Record<string, string>> };

/**
 * A page's (or its poll route's) search params as the query of the processor route, validated by
 * that route's own schema, so a bad `?range=` is a message before any call. Only the schema's keys
 * are read: anything else in the URL is not this page's business. `labels` names each key in the
 * messages: `Range: a range: one of 15m, 1h, 6h, 24h, 7d (not "2h").`
 */
export function parseSearch<S extends z.ZodObject>(
  schema: S,
  params: SearchParams,
  labels: Readonly<Record<string, string>>,
): ParsedSearch<z.output<S>> {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = single(params, key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, query: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path[0];
    const value = typeof key === 'string' ? raw[key] : undefined;
    const label = typeof key === 'string' ? (labels[key] ?? key) : 'Search';
    return `${label}: ${issue.message}${value === undefined ? '' : ` (not ${quote(value)})`}.`;
  });
  return { ok: false, problems: [...new Set(problems)], raw };
}

/** A route handler's `request.url` as the pages' search params (the last of a repeated key). */
export function searchParamsOf(url: string): SearchParams {
  return Object.fromEntries(new URL(url).searchParams);
}
