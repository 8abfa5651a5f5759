import {
  ACTION_RESULTS,
  API_ROUTE_IDS,
  API_ROUTES,
  actionListQuerySchema,
  type ActionListQuery,
  type ActionResult,
  type ApiRouteId,
} from '@dedup/contracts';

/*
 * The Activity page keeps its filters and its page in the URL (`/activity?actor=alice&cursor=812`), so a
 * view can be bookmarked, shared and reloaded. This file turns the search params into the query of
 * `GET /api/actions` (a bad value becomes a problem to show and is left out, never a crash) and builds
 * the links back. Pure: no Next, no fetch, no clock.
 */

import { backfillHref } from './backfill-view';
import { replayRunHref } from './replay-view';
import { isoToUtcInput, localInputToUtcIso, quote, single, type SearchParams } from './search-params';

export type { SearchParams } from './search-params';
export { datetimeInputStep, isoToUtcInput, localInputToUtcIso } from './search-params';

export const ACTIVITY_PATH = '/activity';

/** `ActionListQuery` as this page sends it: `limit` already a number (the schema's input is `unknown`). */
export type ActivityQuery = Omit<ActionListQuery, 'limit'> & { limit?: number };

export interface ParsedActivityQuery {
  /** Only the valid, non-empty values; the processor applies its defaults to the rest. */
  readonly query: ActivityQuery;
  /** One sentence per value that was left out: which field, what was wrong, what happens instead. */
  readonly problems: string[];
}

/** The filters, in the order the links spell them; `cursor` is not one (a new filter starts anew). */
const FILTER_KEYS = ['actor', 'action', 'result', 'from', 'to', 'limit'] as const;

/** The route ids an action row names for a call (logged routes only): the Action filter's choices. */
export const LOGGED_ACTIONS: readonly ApiRouteId[] = API_ROUTE_IDS.filter((id) => API_ROUTES[id].logged);

const shape = actionListQuerySchema.shape;

/** The search params of `/activity` as the query of `GET /api/actions`, and what was wrong with them. */
export function parseActivityQuery(params: SearchParams): ParsedActivityQuery {
  const query: ActivityQuery = {};
  const problems: string[] = [];

  const actor = single(params, 'actor');
  if (actor !== undefined) {
    if (shape.actor.safeParse(actor).success) query.actor = actor;
    else problems.push('Who: longer than 200 characters; left out.');
  }

  const action = single(params, 'action');
  if (action !== undefined) {
    if (shape.action.safeParse(action).success) query.action = action;
    else problems.push('Action: longer than 100 characters; left out.');
  }

  const result = single(params, 'result');
  if (result !== undefined) {
    const parsed = shape.result.safeParse(result);
    if (parsed.success && parsed.data !== undefined) query.result = parsed.data;
    else problems.push(`Result: ${quote(result)} is not one of ${ACTION_RESULTS.join(', ')}; left out.`);
  }

  for (const [key, label] of [
    ['from', 'From'],
    ['to', 'To'],
  ] as const) {
    const raw = single(params, key);
    if (raw === undefined) continue;
    const iso = localInputToUtcIso(raw);
    if (shape[key].safeParse(iso).success) query[key] = iso;
    else problems.push(`${label}: ${quote(raw)} is not a date and time (YYYY-MM-DDTHH:MM, UTC); left out.`);
  }

  const limit = single(params, 'limit');
  if (limit !== undefined) {
    // Digits only: the schema coerces, and would take `1e2` or `0x10` for a page size.
    const parsed = /^\d{1,3}$/.test(limit) ? shape.limit.safeParse(limit) : null;
    if (parsed?.success === true) query.limit = parsed.data;
    else
      problems.push(`Page size: ${quote(limit)} is not a whole number from 1 to 500; the default is used.`);
  }

  const cursor = single(params, 'cursor');
  if (cursor !== undefined) {
    if (shape.cursor.safeParse(cursor).success) query.cursor = cursor;
    else
      problems.push(
        `Page: ${quote(cursor)} is not a cursor from a previous page; showing the newest actions.`,
      );
  }

  return { query, problems };
}

/** `/activity` with the query's filters, and `cursor` when given (`null`: the newest page). */
export function activityHref(query: ActivityQuery, cursor: string | null = null): string {
  const search = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = query[key];
    if (value !== undefined) search.set(key, String(value));
  }
  if (cursor !== null) search.set('cursor', cursor);
  const qs = search.toString();
  return qs === '' ? ACTIVITY_PATH : `${ACTIVITY_PATH}?${qs}`;
}

/** The next older page with the same filters. */
export function olderHref(query: ActivityQuery, nextCursor: string): string {
  return activityHref(query, nextCursor);
}

/** Back to the newest page, filters kept. */
export function newestHref(query: ActivityQuery): string {
  return activityHref(query);
}

/** What the filter form shows: the query's values as its inputs hold them (`''`: not set). */
export interface ActivityFormValues {
  readonly actor: string;
  readonly action: string;
  readonly result: ActionResult | '';
  readonly from: string;
  readonly to: string;
  readonly limit: string;
}

export function activityFormValues(query: ActivityQuery): ActivityFormValues {
  const input = (iso: string | undefined) => (iso === undefined ? '' : (isoToUtcInput(iso) ?? ''));
  return {
    actor: query.actor ?? '',
    action: query.action ?? '',
    result: query.result ?? '',
    from: input(query.from),
    to: input(query.to),
    limit: query.limit === undefined ? '' : String(query.limit),
  };
}

/**
 * Where an action's target is shown in the console, when it has a place: a backfill's card, a
 * replay run's card, one DLQ record in its drawer. A list of records, a route path or a token has
 * none (null).
 */
export function targetHref(target: string): string | null {
  const match = /^(backfill|replay|dlq)\/(\d{1,18})$/.exec(target);
  const [, kind, id] = match ?? [];
  if (id === undefined) return null;
  if (kind === 'backfill') return backfillHref(id);
  if (kind === 'replay') return replayRunHref(id);
  // One DLQ record: its status may have changed since; the drawer shows it whatever the list shows.
  return `/dlq?id=${id}`;
}
