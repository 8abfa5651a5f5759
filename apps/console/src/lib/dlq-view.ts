import {
  DLQ_STATUSES,
  dlqDiscardRequestSchema,
  isDiscardableDlqStatus,
  dlqFingerprintSchema,
  dlqListQuerySchema,
  type DlqGroup,
  type DlqListQuery,
  type DlqRecord,
  type DlqSelection,
  type DlqStatus,
} from '@dedup/contracts';
import { isoToUtcInput, localInputToUtcIso, quote, single, type SearchParams } from './search-params';
import { formatCount, formatDuration } from './backfill-view';

/*
 * What the DLQ triage page (`/dlq`) shows, as pure functions: its state in the URL (status, filters,
 * page, the open record) parsed like the Activity page's (a bad value becomes a problem to show and
 * is left out), the links back, the sparkline of a group, a record's value pretty-printed with the
 * fields its error names marked, and the words of a discard confirmation. No React, no fetch, no
 * clock (the time is passed in).
 */

export type { SearchParams } from './search-params';

export const DLQ_PATH = '/dlq';

/** The statuses the page's switch offers; any other one still works from a link. */
export const SWITCH_STATUSES = [
  'open',
  'quarantined',
  'replayed',
  'discarded',
] as const satisfies readonly DlqStatus[];

/** Statuses the processor discards from (the contract's); rows in another get no checkbox. */
export const isDiscardable = isDiscardableDlqStatus;

/** The records filters of `GET /api/dlq` but status and page (`limit` already a number). */
export interface DlqFilters {
  readonly fingerprint?: string;
  readonly errorType?: string;
  readonly sourceTopic?: string;
  readonly sourcePartition?: number;
  readonly from?: string;
  readonly to?: string;
  readonly q?: string;
  readonly limit?: number;
}

/** Everything the page shows, as its URL holds it. */
export interface DlqView {
  /** Of the groups and the records alike; `open` when the URL names none. */
  readonly status: DlqStatus;
  readonly filters: DlqFilters;
  readonly cursor?: string;
  /** The record open in the drawer. */
  readonly id?: string;
}

export interface ParsedDlqView {
  readonly view: DlqView;
  /** One sentence per value that was left out: which field, what was wrong, what happens instead. */
  readonly problems: string[];
}

const shape = dlqListQuerySchema.shape;
const ID = /^\d{1,18}$/;

function isStatus(value: string): value is DlqStatus {
  return (DLQ_STATUSES as readonly string[]).includes(value);
}

/** The search params of `/dlq` as the page's view, and what was wrong with them. */
export function parseDlqView(params: SearchParams): ParsedDlqView {
  const problems: string[] = [];
  const filters: { -readonly [K in keyof DlqFilters]: DlqFilters[K] } = {};

  let status: DlqStatus = 'open';
  const rawStatus = single(params, 'status');
  if (rawStatus !== undefined) {
    if (isStatus(rawStatus)) status = rawStatus;
    else
      problems.push(
        `Status: ${quote(rawStatus)} is not one of ${DLQ_STATUSES.join(', ')}; showing open records.`,
      );
  }

  const fingerprint = single(params, 'fingerprint');
  if (fingerprint !== undefined) {
    if (dlqFingerprintSchema.safeParse(fingerprint).success) filters.fingerprint = fingerprint;
    else
      problems.push(`Group: ${quote(fingerprint)} is not a group fingerprint (16 hex characters); left out.`);
  }

  const errorType = single(params, 'errorType');
  if (errorType !== undefined) {
    if (shape.errorType.safeParse(errorType).success) filters.errorType = errorType;
    else problems.push('Error type: longer than 100 characters; left out.');
  }

  const sourceTopic = single(params, 'sourceTopic');
  if (sourceTopic !== undefined) {
    if (shape.sourceTopic.safeParse(sourceTopic).success) filters.sourceTopic = sourceTopic;
    else problems.push('Source topic: longer than 249 characters; left out.');
  }

  const partition = single(params, 'sourcePartition');
  if (partition !== undefined) {
    // Digits only: the schema coerces, and would take `1e2` or `0x10` for a partition.
    const parsed = /^\d{1,7}$/.test(partition) ? shape.sourcePartition.safeParse(partition) : null;
    if (parsed?.success === true && parsed.data !== undefined) filters.sourcePartition = parsed.data;
    else problems.push(`Partition: ${quote(partition)} is not a partition number; left out.`);
  }

  for (const [key, label] of [
    ['from', 'From'],
    ['to', 'To'],
  ] as const) {
    const raw = single(params, key);
    if (raw === undefined) continue;
    const iso = localInputToUtcIso(raw);
    if (shape[key].safeParse(iso).success) filters[key] = iso;
    else problems.push(`${label}: ${quote(raw)} is not a date and time (YYYY-MM-DDTHH:MM, UTC); left out.`);
  }

  const q = single(params, 'q');
  if (q !== undefined) {
    if (shape.q.safeParse(q).success) filters.q = q;
    else problems.push('Text: longer than 200 characters; left out.');
  }

  const limit = single(params, 'limit');
  if (limit !== undefined) {
    const parsed = /^\d{1,3}$/.test(limit) ? shape.limit.safeParse(limit) : null;
    if (parsed?.success === true) filters.limit = parsed.data;
    else
      problems.push(`Page size: ${quote(limit)} is not a whole number from 1 to 500; the default is used.`);
  }

  let cursor: string | undefined;
  const rawCursor = single(params, 'cursor');
  if (rawCursor !== undefined) {
    if (ID.test(rawCursor)) cursor = rawCursor;
    else
      problems.push(
        `Page: ${quote(rawCursor)} is not a cursor from a previous page; showing the newest records.`,
      );
  }

  let id: string | undefined;
  const rawId = single(params, 'id');
  if (rawId !== undefined) {
    if (ID.test(rawId)) id = rawId;
    else problems.push(`Record: ${quote(rawId)} is not a record id (a whole number); none is opened.`);
  }

  return {
    view: {
      status,
      filters,
      ...(cursor === undefined ? {} : { cursor }),
      ...(id === undefined ? {} : { id }),
    },
    problems,
  };
}

/** The view as the query of `GET /api/dlq`. */
export function listQuery(view: DlqView): DlqListQuery {
  return {
    status: view.status,
    ...view.filters,
    ...(view.cursor === undefined ? {} : { cursor: view.cursor }),
  };
}

/** The filters in the order the links spell them. */
const FILTER_KEYS = [
  'fingerprint',
  'errorType',
  'sourceTopic',
  'sourcePartition',
  'from',
  'to',
  'q',
  'limit',
] as const satisfies readonly (keyof DlqFilters)[];

/** `/dlq` for a view; `open` and absent values are left out, so the plain page is plain `/dlq`. */
export function dlqHref(view: DlqView): string {
  const search = new URLSearchParams();
  if (view.status !== 'open') search.set('status', view.status);
  for (const key of FILTER_KEYS) {
    const value = view.filters[key];
    if (value !== undefined) search.set(key, String(value));
  }
  if (view.cursor !== undefined) search.set('cursor', view.cursor);
  if (view.id !== undefined) search.set('id', view.id);
  const qs = search.toString();
  return qs === '' ? DLQ_PATH : `${DLQ_PATH}?${qs}`;
}

/** Another status, filters kept, from the newest page, no record open (it may not be in it). */
export function statusHref(view: DlqView, status: DlqStatus): string {
  return dlqHref({ status, filters: view.filters });
}

/** A group's records: that fingerprint alone (other filters would hide them), in the same status. */
export function groupRecordsHref(view: DlqView, fingerprint: string): string {
  return dlqHref({ status: view.status, filters: { fingerprint } });
}

/** The same view with record `id` open in the drawer. */
export function recordHref(view: DlqView, id: string): string {
  return dlqHref({ ...view, id });
}

/** The same view with the drawer closed. */
export function closeRecordHref(view: DlqView): string {
  return dlqHref({
    status: view.status,
    filters: view.filters,
    ...(view.cursor === undefined ? {} : { cursor: view.cursor }),
  });
}

/** The next older page, filters kept. */
export function olderHref(view: DlqView, nextCursor: string): string {
  return dlqHref({ status: view.status, filters: view.filters, cursor: nextCursor });
}

/** Back to the newest page, filters kept. */
export function newestHref(view: DlqView): string {
  return dlqHref({ status: view.status, filters: view.filters });
}

/** What the filter form shows: the view's values as its inputs hold them (`''`: not set). */
export interface DlqFormValues {
  readonly status: DlqStatus;
  readonly fingerprint: string;
  readonly errorType: string;
  readonly sourceTopic: string;
  readonly sourcePartition: string;
  readonly from: string;
  readonly to: string;
  readonly q: string;
  readonly limit: string;
}

export function dlqFormValues(view: DlqView): DlqFormValues {
  const { filters } = view;
  const input = (iso: string | undefined) => (iso === undefined ? '' : (isoToUtcInput(iso) ?? ''));
  return {
    status: view.status,
    fingerprint: filters.fingerprint ?? '',
    errorType: filters.errorType ?? '',
    sourceTopic: filters.sourceTopic ?? '',
    sourcePartition: filters.sourcePartition === undefined ? '' : String(filters.sourcePartition),
    from: input(filters.from),
    to: input(filters.to),
    q: filters.q ?? '',
    limit: filters.limit === undefined ? '' : String(filters.limit),
  };
}

// ---- Summary and sparkline ----

/** "3 min 05 s": how long ago an instant was, for "the oldest failed … ago"; `–` for none. */
export function formatAge(iso: string | null, nowMs: number): string {
  if (iso === null) return '–';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '–';
  return formatDuration(Math.max(0, (nowMs - at) / 1000));
}

/** "1 record", "2 records", "1,234 records". */
export function recordsText(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'record' : 'records'}`;
}

/**
 * The SVG path of a sparkline of `counts` (oldest first) in a `width` × `height` box: a line from
 * the first hour to the last, the busiest hour at the top, zero on the bottom edge (1 unit in, so
 * the stroke is not clipped).
 */
export function sparklinePath(counts: readonly number[], width: number, height: number): string {
  if (counts.length === 0) return '';
  const max = Math.max(...counts, 0);
  const step = counts.length === 1 ? 0 : width / (counts.length - 1);
  const round = (n: number) => Math.round(n * 100) / 100;
  return counts
    .map((count, i) => {
      const y = max === 0 ? height - 1 : height - 1 - (Math.max(0, count) / max) * (height - 2);
      return `${i === 0 ? 'M' : 'L'}${round(i * step)},${round(y)}`;
    })
    .join(' ');
}

/** The sparkline in words, for its aria-label. */
export function describeLastDay(counts: readonly number[]): string {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return 'No records in the last 24 hours';
  const max = Math.max(...counts);
  const last = counts[counts.length - 1] ?? 0;
  return (
    `${recordsText(total)} in the last 24 hours, at most ${formatCount(max)} in one hour, ` +
    `${formatCount(last)} in the latest hour`
  );
}

// ---- A record's value ----

export interface ValueLine {
  readonly text: string;
  /** The field path the error names when this line holds it (`event_time`, `payload.amount`). */
  readonly invalid: string | null;
}

export type ValueView =
  | {
      readonly kind: 'json';
      readonly lines: readonly ValueLine[];
      /** Named fields the value does not hold (a missing required field). */
      readonly missing: readonly string[];
      /** The value had more lines than are shown. */
      readonly truncated: boolean;
    }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'base64'; readonly text: string }
  | { readonly kind: 'none' };

/** Past this many lines a value is cut: a page of megabytes helps no one. */
export const MAX_VALUE_LINES = 2_000;
/** Deeper than this a value is shown as its text: the printer recurses. */
const MAX_DEPTH = 64;

type JsonNode =
  | { readonly kind: 'object'; readonly entries: readonly { rawKey: string; key: string; node: JsonNode }[] }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'literal'; readonly raw: string };

class TooDeep extends Error {}

/**
 * The syntax tree of `text`, which JSON.parse has accepted, with every literal as written: a
 * re-serialised parse would round big numbers (an event_time of 2^60) and hide what was sent.
 */
function jsonTree(text: string): JsonNode {
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i += 1;
  };
  const stringLiteral = (): string => {
    const start = i;
    i += 1;
    while (i < text.length && text.charAt(i) !== '"') i += text.charAt(i) === '\\' ? 2 : 1;
    i += 1;
    return text.slice(start, i);
  };
  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new TooDeep();
    space();
    const c = text.charAt(i);
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i += 1;
      space();
      const entries: { rawKey: string; key: string; node: JsonNode }[] = [];
      const items: JsonNode[] = [];
      if (text.charAt(i) === close) i += 1;
      else {
        for (;;) {
          if (c === '{') {
            space();
            const rawKey = stringLiteral();
            space();
            i += 1; // the colon
            entries.push({ rawKey, key: JSON.parse(rawKey) as string, node: value(depth + 1) });
          } else items.push(value(depth + 1));
          space();
          const next = text.charAt(i);
          i += 1;
          if (next !== ',') break;
        }
      }
      return c === '{' ? { kind: 'object', entries } : { kind: 'array', items };
    }
    if (c === '"') return { kind: 'literal', raw: stringLiteral() };
    const start = i;
    while (i < text.length && !',]} \t\n\r'.includes(text.charAt(i))) i += 1;
    return { kind: 'literal', raw: text.slice(start, i) };
  };
  return value(0);
}

/** Two-space indented lines of `tree`, the lines of the `marked` paths carrying their path. */
function printTree(tree: JsonNode, marked: ReadonlySet<string>) {
  const lines: ValueLine[] = [];
  const found = new Set<string>();
  let truncated = false;
  const push = (line: ValueLine) => {
    if (lines.length >= MAX_VALUE_LINES) truncated = true;
    else lines.push(line);
  };
  const print = (node: JsonNode, path: readonly string[], indent: number, prefix: string, comma: string) => {
    if (truncated) return;
    const pad = '  '.repeat(indent);
    const at = path.join('.');
    const invalid = path.length > 0 && marked.has(at) ? at : null;
    if (invalid !== null) found.add(invalid);
    if (node.kind === 'literal') {
      push({ text: `${pad}${prefix}${node.raw}${comma}`, invalid });
      return;
    }
    const [open, close] = node.kind === 'object' ? ['{', '}'] : ['[', ']'];
    const size = node.kind === 'object' ? node.entries.length : node.items.length;
    if (size === 0) {
      push({ text: `${pad}${prefix}${open}${close}${comma}`, invalid });
      return;
    }
    push({ text: `${pad}${prefix}${open}`, invalid });
    if (node.kind === 'object') {
      node.entries.forEach((entry, k) => {
        print(entry.node, [...path, entry.key], indent + 1, `${entry.rawKey}: `, k < size - 1 ? ',' : '');
      });
    } else {
      node.items.forEach((item, k) => {
        print(item, [...path, String(k)], indent + 1, '', k < size - 1 ? ',' : '');
      });
    }
    push({ text: `${pad}${close}${comma}`, invalid: null });
  };
  print(tree, [], 0, '', '');
  return { lines, found, truncated };
}

/**
 * A record's value for the drawer: JSON pretty-printed with the fields the error names marked (any
 * depth: `payload.amount` marks `amount` inside `payload`), other text as it is, bytes that are not
 * UTF-8 as base64.
 */
export function valueView(record: Pick<DlqRecord, 'value' | 'valueBase64' | 'invalidFields'>): ValueView {
  const { value, valueBase64 } = record;
  if (value === null) return valueBase64 === null ? { kind: 'none' } : { kind: 'base64', text: valueBase64 };
  try {
    JSON.parse(value);
  } catch {
    return { kind: 'text', text: value };
  }
  let tree: JsonNode;
  try {
    tree = jsonTree(value);
  } catch (error) {
    if (error instanceof TooDeep) return { kind: 'text', text: value };
    throw error;
  }
  const marked = new Set(record.invalidFields);
  const { lines, found, truncated } = printTree(tree, marked);
  return {
    kind: 'json',
    lines,
    missing: record.invalidFields.filter((field) => !found.has(field) && !truncated),
    truncated,
  };
}

// ---- Discard ----

/** Under this many characters a preview cell is shown whole. */
const PREVIEW_CELL_CHARS = 80;

export function previewText(preview: string | null): string {
  if (preview === null) return '–';
  return preview.length > PREVIEW_CELL_CHARS ? `${preview.slice(0, PREVIEW_CELL_CHARS)}…` : preview;
}

/**
 * The confirmation of a discard of listed records, stating the scope: "Discard 3 records of cause
 * X?" when they share a cause, "Discard 3 records of 2 causes?" otherwise. `causeOf` names a
 * fingerprint's cause (from the groups); the error type stands in for one it does not know.
 */
export function selectedQuestion(
  records: readonly { fingerprint: string; errorType: string }[],
  causeOf: (fingerprint: string) => string | undefined,
): string {
  return `Discard ${selectedScope(records, causeOf)}?`;
}

/** Listed records in words: "3 records of cause X", or "3 records of 2 causes" (see selectedQuestion). */
export function selectedScope(
  records: readonly { fingerprint: string; errorType: string }[],
  causeOf: (fingerprint: string) => string | undefined,
): string {
  const causes = new Set(records.map((r) => causeOf(r.fingerprint) ?? r.errorType));
  const [only] = causes;
  return causes.size === 1 && only !== undefined
    ? `${recordsText(records.length)} of cause ${only}`
    : `${recordsText(records.length)} of ${formatCount(causes.size)} causes`;
}

/** "Discard all 40 open records of group <cause>?" */
export function groupQuestion(group: Pick<DlqGroup, 'count' | 'cause'>, status: DlqStatus): string {
  const all = group.count === 1 ? 'the' : 'all';
  return `Discard ${all} ${formatCount(group.count)} ${status} ${group.count === 1 ? 'record' : 'records'} of group ${group.cause}?`;
}

/**
 * A group as a selection: its fingerprint in the status shown, and only records that failed up to its
 * newest failure as shown (`to` is exclusive, hence 1 ms on), so one that fails while the operator
 * reads the question is not discarded unseen. The processor's instants have microseconds; the shown
 * one is rounded down.
 */
export function groupSelection(
  group: Pick<DlqGroup, 'fingerprint' | 'lastFailureAt'>,
  status: DlqStatus,
): DlqSelection {
  const last = Date.parse(group.lastFailureAt);
  return {
    filter: {
      status,
      fingerprint: group.fingerprint,
      ...(Number.isNaN(last) ? {} : { to: new Date(last + 1).toISOString() }),
    },
  };
}

/** What a group discard leaves alone. */
export function groupDiscardHint(status: DlqStatus): string {
  return (
    `Only ${status} records of the group that failed by then are discarded; ones that fail after the ` +
    'last failure shown are not. The reason is kept with each record and in the action log.'
  );
}

/** Why a discard reason would be refused, as the contract says it; null when it is fine. */
export function reasonProblem(reason: string): string | null {
  const parsed = dlqDiscardRequestSchema.shape.reason.safeParse(reason);
  if (parsed.success) return null;
  return reason.trim().length < 3
    ? 'Say why, in a few words (at least 3 characters).'
    : 'At most 500 characters.';
}

/** What the page says after a discard. */
export function discardedMessage(discarded: number, asked: number): string {
  const done = `Discarded ${recordsText(discarded)}.`;
  if (discarded >= asked) return done;
  const left = asked - discarded;
  return `${done} ${recordsText(left)} ${left === 1 ? 'was' : 'were'} no longer open or quarantined.`;
}
