import {
  DLQ_STATUSES,
  lineageQuerySchema,
  type LineageCoordinates,
  type LineageOccurrence,
  type LineageQuery,
  type LineageResponse,
} from '@dedup/contracts';
import { dlqHref } from './dlq-view';
import { single, type SearchParams } from './search-params';

/*
 * What the lineage page (`/lineage`, "why was this event dropped?") shows, as pure functions: the
 * search in the URL (`?eventId=…`, `?dedupKey=…` or `?topic=…&partition=…&offset=…`) checked with the route's own
 * schema (a bad search becomes a message, never a call), each occurrence's decision in words, and
 * the links out (trace, DLQ record, replay). No React, no fetch, no clock, no locale.
 */

export type { SearchParams } from './search-params';

export const LINEAGE_PATH = '/lineage';

/** What the search form holds (`''`: empty). */
export interface LineageFormValues {
  readonly eventId: string;
  readonly dedupKey: string;
  readonly topic: string;
  readonly partition: string;
  readonly offset: string;
}

export type ParsedLineageSearch =
  /** Nothing asked yet: show the form only. */
  | { readonly kind: 'empty'; readonly values: LineageFormValues }
  | { readonly kind: 'invalid'; readonly values: LineageFormValues; readonly problems: string[] }
  | { readonly kind: 'search'; readonly values: LineageFormValues; readonly query: LineageQuery };

const FIELD_LABELS: Record<string, string> = {
  eventId: 'Event id',
  dedupKey: 'Dedup key',
  topic: 'Topic',
  partition: 'Partition',
  offset: 'Offset',
  limit: 'Limit',
};

/**
 * The page's search params as the query of `GET /api/lineage`, validated by the route's schema so the
 * page says what is wrong before calling. Digits only for partition and offset (the schema coerces,
 * and would take `1e2` for a partition).
 */
export function parseLineageSearch(params: SearchParams): ParsedLineageSearch {
  const values: LineageFormValues = {
    eventId: single(params, 'eventId') ?? '',
    dedupKey: single(params, 'dedupKey') ?? '',
    topic: single(params, 'topic') ?? '',
    partition: single(params, 'partition') ?? '',
    offset: single(params, 'offset') ?? '',
  };
  if (Object.values(values).every((v) => v === '')) return { kind: 'empty', values };
  if (values.partition !== '' && !/^\d{1,7}$/.test(values.partition)) {
    return { kind: 'invalid', values, problems: ['Partition: a whole number, 0 or more.'] };
  }
  const query: LineageQuery = {
    ...(values.eventId === '' ? {} : { eventId: values.eventId }),
    ...(values.dedupKey === '' ? {} : { dedupKey: values.dedupKey }),
    ...(values.topic === '' ? {} : { topic: values.topic }),
    ...(values.partition === '' ? {} : { partition: Number(values.partition) }),
    ...(values.offset === '' ? {} : { offset: values.offset }),
  };
  const parsed = lineageQuerySchema.safeParse(query);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.path[0];
      const label = typeof field === 'string' ? FIELD_LABELS[field] : undefined;
      return `${label === undefined ? 'Search' : label}: ${issue.message}.`;
    });
    return { kind: 'invalid', values, problems: [...new Set(problems)] };
  }
  return { kind: 'search', values, query };
}

/** `/lineage` for one event id, one dedup key, or one record's coordinates. */
export function lineageHref(target: { eventId: string } | { dedupKey: string } | LineageCoordinates): string {
  const search =
    'eventId' in target
      ? new URLSearchParams({ eventId: target.eventId })
      : 'dedupKey' in target
        ? new URLSearchParams({ dedupKey: target.dedupKey })
        : new URLSearchParams({
            topic: target.topic,
            partition: String(target.partition),
            offset: target.offset,
          });
  return `${LINEAGE_PATH}?${search.toString()}`;
}

/** `topic/partition/offset`, the way the page and the on-call ticket spell a record's place. */
export function coordinatesText(c: LineageCoordinates): string {
  return `${c.topic}/${c.partition}/${c.offset}`;
}

/** An instant in UTC to the millisecond, locale-free: `2026-12-05 10:30:00.123 UTC`. */
export function utcText(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().replace('T', ' ').replace('Z', '')} UTC`;
}

/** A whole number of milliseconds with thousands separators, locale-free: `59,000 ms`. */
export function msText(ms: number): string {
  return `${String(ms).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} ms`;
}

/** Why the occurrence went where it went, in words. */
export function decisionText(o: LineageOccurrence): string {
  switch (o.outcome) {
    case 'unique':
      return 'first occurrence: forwarded to the output';
    case 'duplicate': {
      if (o.firstOccurrence === null) {
        // Approximate mode knows a key was seen, not by which record.
        return o.reason ?? 'probable duplicate (approximate mode)';
      }
      const seen =
        o.firstOccurrence.firstSeenAt === null
          ? ''
          : ` (first seen ${utcText(o.firstOccurrence.firstSeenAt)})`;
      const by = o.matchedStrategy === null ? '' : ` by ${o.matchedStrategy}`;
      return `duplicate of ${coordinatesText(o.firstOccurrence)}${seen}${by}`;
    }
    case 'late':
      if (o.latenessMs === null || o.watermark === null) return o.reason ?? 'late';
      return `late by ${msText(o.latenessMs)} behind the watermark ${utcText(o.watermark)}`;
    case 'invalid':
    case 'failed': {
      const what = o.outcome === 'invalid' ? 'rejected by the event contract' : 'processing failed';
      const detail = [o.errorType, o.reason].filter((x) => x !== null && x !== '').join(': ');
      return detail === '' ? what : `${what}: ${detail}`;
    }
  }
}

/**
 * The trace link: the configured template with `{traceId}` replaced (every occurrence), or null
 * without a template. A trace id is hex; it is encoded anyway, as it came from a record header.
 */
export function traceHref(template: string | null, traceId: string | null): string | null {
  if (template === null || traceId === null) return null;
  return template.split('{traceId}').join(encodeURIComponent(traceId));
}

/** Where the occurrence was decided, for a label: the live pipeline, or a backfill job. */
export function originText(o: LineageOccurrence): string {
  return o.backfillId === null ? 'live pipeline' : `backfill ${o.backfillId}`;
}

/**
 * The DLQ page with a record open, listing the records of its status (so its row is in the list
 * and marked when it is on the first page); a status the page does not know is left out.
 */
export function dlqRecordHref(id: string, status?: string): string {
  const known = DLQ_STATUSES.find((s) => s === status);
  return dlqHref({ status: known ?? 'open', filters: {}, id });
}

/**
 * What the answer is about, for the summary: a dedup key is named as such (its occurrences may carry
 * different event ids, e.g. under a content-hash strategy); otherwise the event id it resolved to.
 */
export function subjectText(answer: Pick<LineageResponse, 'eventId' | 'query'>): string {
  if (answer.query.dedupKey !== null) return `dedup key ${answer.query.dedupKey}`;
  return answer.eventId === null ? 'this record' : `event ${answer.eventId}`;
}

/** The line above the timeline; `what` from subjectText. */
export function summaryText(count: number, truncated: boolean, what: string): string {
  const n = `${count} occurrence${count === 1 ? '' : 's'}`;
  return truncated
    ? `The first ${n} of ${what}, oldest first; there are more (narrow the search or raise the limit).`
    : `${n} of ${what}, oldest first.`;
}
