import { z } from 'zod';
import {
  actionListQuerySchema,
  actionListResponseSchema,
  apiTokenListResponseSchema,
  apiTokenSchema,
  createApiTokenRequestSchema,
  createdApiTokenSchema,
  principalSchema,
  type Role,
} from './access';
import { backfillJobSchema, backfillListResponseSchema, createBackfillRequestSchema } from './backfill';
import {
  dlqDiscardRequestSchema,
  dlqDiscardResponseSchema,
  dlqGroupsQuerySchema,
  dlqGroupsResponseSchema,
  dlqListQuerySchema,
  dlqListResponseSchema,
  dlqParamsSchema,
  dlqRecordSchema,
  replayListResponseSchema,
  replayParamsSchema,
  replayPreviewRequestSchema,
  replayPreviewSchema,
  replayRunSchema,
  replayStartRequestSchema,
} from './dlq';
import { lineageQuerySchema, lineageResponseSchema } from './lineage';
import { exactlyOnceQuerySchema, exactlyOnceResponseSchema } from './exactly-once';
import { latenessQuerySchema, latenessResponseSchema } from './lateness';
import { overviewQuerySchema, overviewResponseSchema } from './overview';
import { statsResponseSchema } from './stats';
import { watermarksQuerySchema, watermarksResponseSchema } from './watermarks';

/**
 * The processor's HTTP API, one table: the server maps its handlers from it (path, method, status),
 * authorizes and validates every call with it, the OpenAPI document is generated from it, and the
 * console's client calls through it. A route that is not here does not exist; a route here without
 * an access rule does not compile.
 */
export interface ApiRouteSpec {
  readonly method: 'GET' | 'POST';
  /** Express-style, `:name` for a path parameter. */
  readonly path: string;
  readonly summary: string;
  /** `public` needs no credential (probes, metrics, the API document); a role is the least one. */
  readonly access: 'public' | Role;
  /**
   * Changes something, or is a dry run of a change: written to the operator action log (allowed,
   * refused and failed alike) and rate-limited. Every POST is.
   */
  readonly logged: boolean;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The JSON answer; null for a non-JSON one (`/metrics`). */
  readonly response: z.ZodType | null;
  readonly successStatus: 200 | 201;
  /** A dry run (previews) is logged with `dry_run` set. */
  readonly dryRun?: boolean;
  /** Statuses the route answers besides success and the ones every route may (401/403/429/500). */
  readonly errors: readonly number[];
}

const id = z.string().regex(/^\d{1,18}$/, 'an id: a whole number');
const backfillParams = z.strictObject({ id });

const healthLive = z.object({ status: z.literal('ok') });
const healthReady = z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) });

export const API_ROUTES = {
  'health.live': {
    method: 'GET',
    path: '/health/live',
    summary: 'The process is up and its event loop turns',
    access: 'public',
    logged: false,
    response: healthLive,
    successStatus: 200,
    errors: [],
  },
  'health.ready': {
    method: 'GET',
    path: '/health/ready',
    summary: 'Kafka and Postgres answer and the pipeline is consuming (503 with the failing checks)',
    access: 'public',
    logged: false,
    response: healthReady,
    successStatus: 200,
    errors: [503],
  },
  metrics: {
    method: 'GET',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format; docs/metrics.md)',
    access: 'public',
    logged: false,
    response: null,
    successStatus: 200,
    errors: [],
  },
  'openapi.get': {
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This API, as an OpenAPI 3.1 document',
    access: 'public',
    logged: false,
    response: z.record(z.string(), z.unknown()),
    successStatus: 200,
    errors: [],
  },
  'auth.me': {
    method: 'GET',
    path: '/api/auth/me',
    summary: 'Who the credential of this request belongs to, with which role',
    access: 'viewer',
    logged: false,
    response: principalSchema,
    successStatus: 200,
    errors: [],
  },
  'stats.get': {
    method: 'GET',
    path: '/api/stats',
    summary: 'Durable counts by outcome (from the rollups)',
    access: 'viewer',
    logged: false,
    response: statsResponseSchema,
    successStatus: 200,
    errors: [],
  },
  'watermarks.get': {
    method: 'GET',
    path: '/api/watermarks',
    summary:
      "Watermarks of the input topic per partition (event-time lag, records behind, idleness, owner), the partition holding the pipeline watermark back, and each partition's watermark lag over a time range",
    access: 'viewer',
    logged: false,
    query: watermarksQuerySchema,
    response: watermarksResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'overview.get': {
    method: 'GET',
    path: '/api/overview',
    summary:
      'Outcome rates, throughput, duplicate ratio, end-to-end latency, consumer lag and DLQ depth over a time range, per step (from the rollups, never the audit rows)',
    access: 'viewer',
    logged: false,
    query: overviewQuerySchema,
    response: overviewResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'lateness.get': {
    method: 'GET',
    path: '/api/lateness',
    summary:
      'The lateness distribution of records behind the watermark over a time range (histogram, percentiles, late rate) and allowed-lateness advice with its state cost',
    access: 'viewer',
    logged: false,
    query: latenessQuerySchema,
    response: latenessResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'exactly-once.get': {
    method: 'GET',
    path: '/api/exactly-once',
    summary:
      'Exactly-once health: Kafka transactions committed and aborted, fencing and rebalances per step; output last-stable-offset lag and time since each input partition last committed',
    access: 'viewer',
    logged: false,
    query: exactlyOnceQuerySchema,
    response: exactlyOnceResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'backfills.list': {
    method: 'GET',
    path: '/api/backfills',
    summary: 'Backfill jobs, newest first',
    access: 'viewer',
    logged: false,
    response: backfillListResponseSchema,
    successStatus: 200,
    errors: [],
  },
  'backfills.get': {
    method: 'GET',
    path: '/api/backfills/:id',
    summary: 'One backfill job with its progress per partition',
    access: 'viewer',
    logged: false,
    params: backfillParams,
    response: backfillJobSchema,
    successStatus: 200,
    errors: [400, 404],
  },
  'backfills.preview': {
    method: 'POST',
    path: '/api/backfills/preview',
    summary: 'The job a request would create, with its record counts; creates nothing',
    access: 'operator',
    logged: true,
    dryRun: true,
    body: createBackfillRequestSchema,
    response: backfillJobSchema,
    successStatus: 200,
    errors: [400, 413, 415],
  },
  'backfills.create': {
    method: 'POST',
    path: '/api/backfills',
    summary: 'Starts a backfill job',
    access: 'operator',
    logged: true,
    body: createBackfillRequestSchema,
    response: backfillJobSchema,
    successStatus: 201,
    errors: [400, 413, 415],
  },
  'backfills.pause': {
    method: 'POST',
    path: '/api/backfills/:id/pause',
    summary: 'Pauses a running backfill job (it keeps its progress)',
    access: 'operator',
    logged: true,
    params: backfillParams,
    response: backfillJobSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'backfills.resume': {
    method: 'POST',
    path: '/api/backfills/:id/resume',
    summary: 'Resumes a paused backfill job',
    access: 'operator',
    logged: true,
    params: backfillParams,
    response: backfillJobSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'backfills.cancel': {
    method: 'POST',
    path: '/api/backfills/:id/cancel',
    summary: 'Cancels a running or paused backfill job (final)',
    access: 'operator',
    logged: true,
    params: backfillParams,
    response: backfillJobSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'tokens.list': {
    method: 'GET',
    path: '/api/tokens',
    summary: 'API tokens (never the tokens themselves)',
    access: 'admin',
    logged: false,
    response: apiTokenListResponseSchema,
    successStatus: 200,
    errors: [],
  },
  'tokens.create': {
    method: 'POST',
    path: '/api/tokens',
    summary: 'Issues an API token; the answer is the only time the token is shown',
    access: 'admin',
    logged: true,
    body: createApiTokenRequestSchema,
    response: createdApiTokenSchema,
    successStatus: 201,
    errors: [400, 413, 415],
  },
  'tokens.revoke': {
    method: 'POST',
    path: '/api/tokens/:id/revoke',
    summary: 'Revokes an API token at once',
    access: 'admin',
    logged: true,
    params: z.strictObject({ id }),
    response: apiTokenSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'actions.list': {
    method: 'GET',
    path: '/api/actions',
    summary: 'The operator action log, newest first, filtered; cursor-paginated',
    access: 'viewer',
    logged: false,
    query: actionListQuerySchema,
    response: actionListResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'dlq.groups': {
    method: 'GET',
    path: '/api/dlq/groups',
    summary: 'DLQ records grouped by the fingerprint of their cause, largest first, with 24 h sparklines',
    access: 'viewer',
    logged: false,
    query: dlqGroupsQuerySchema,
    response: dlqGroupsResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'dlq.list': {
    method: 'GET',
    path: '/api/dlq',
    summary: 'DLQ records, newest failure first, filtered; cursor-paginated',
    access: 'viewer',
    logged: false,
    query: dlqListQuerySchema,
    response: dlqListResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'replays.list': {
    method: 'GET',
    path: '/api/dlq/replays',
    summary: 'DLQ replay runs, newest first, with progress and outcomes',
    access: 'viewer',
    logged: false,
    response: replayListResponseSchema,
    successStatus: 200,
    errors: [],
  },
  'replays.get': {
    method: 'GET',
    path: '/api/dlq/replays/:id',
    summary: 'One DLQ replay run: progress, rate, ETA and the summary by outcome',
    access: 'viewer',
    logged: false,
    params: replayParamsSchema,
    response: replayRunSchema,
    successStatus: 200,
    errors: [400, 404],
  },
  'replays.preview': {
    method: 'POST',
    path: '/api/dlq/replays/preview',
    summary: 'Dry run of a replay: the exact count and a sample, and a token that starts exactly that set',
    access: 'operator',
    logged: true,
    dryRun: true,
    body: replayPreviewRequestSchema,
    response: replayPreviewSchema,
    successStatus: 200,
    errors: [400, 409, 413, 415],
  },
  'replays.start': {
    method: 'POST',
    path: '/api/dlq/replays',
    summary: 'Starts the replay a preview described (409 when its records changed since)',
    access: 'operator',
    logged: true,
    body: replayStartRequestSchema,
    response: replayRunSchema,
    successStatus: 201,
    errors: [400, 404, 409, 413, 415],
  },
  'replays.pause': {
    method: 'POST',
    path: '/api/dlq/replays/:id/pause',
    summary: 'Pauses a running replay (records already sent are still decided)',
    access: 'operator',
    logged: true,
    params: replayParamsSchema,
    response: replayRunSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'replays.resume': {
    method: 'POST',
    path: '/api/dlq/replays/:id/resume',
    summary: 'Resumes a paused replay',
    access: 'operator',
    logged: true,
    params: replayParamsSchema,
    response: replayRunSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'replays.cancel': {
    method: 'POST',
    path: '/api/dlq/replays/:id/cancel',
    summary: 'Cancels a replay: records not sent yet go back to open (final)',
    access: 'operator',
    logged: true,
    params: replayParamsSchema,
    response: replayRunSchema,
    successStatus: 200,
    errors: [400, 404, 409],
  },
  'dlq.get': {
    method: 'GET',
    path: '/api/dlq/:id',
    summary: 'One DLQ record whole: key, value and headers as sent, the error and its history',
    access: 'viewer',
    logged: false,
    params: dlqParamsSchema,
    response: dlqRecordSchema,
    successStatus: 200,
    errors: [400, 404],
  },
  'lineage.search': {
    method: 'GET',
    path: '/api/lineage',
    summary:
      'Every occurrence of an event (by id, or by the coordinates of one record), oldest first: outcome, reason, first occurrence, watermark, DLQ and replay links',
    access: 'viewer',
    logged: false,
    query: lineageQuerySchema,
    response: lineageResponseSchema,
    successStatus: 200,
    errors: [400],
  },
  'dlq.discard': {
    method: 'POST',
    path: '/api/dlq/discard',
    summary: 'Discards open or quarantined DLQ records (listed, or all matching a filter), with a reason',
    access: 'operator',
    logged: true,
    body: dlqDiscardRequestSchema,
    response: dlqDiscardResponseSchema,
    successStatus: 200,
    errors: [400, 413, 415],
  },
} as const satisfies Record<string, ApiRouteSpec>;

export type ApiRouteId = keyof typeof API_ROUTES;
export const API_ROUTE_IDS = Object.keys(API_ROUTES) as ApiRouteId[];

type Field<R, K extends string> = R extends Record<K, infer S extends z.ZodType> ? z.output<S> : undefined;
type InputField<R, K extends string> =
  R extends Record<K, infer S extends z.ZodType> ? z.input<S> : undefined;

/** What a handler receives after validation. */
export interface RouteInput<Id extends ApiRouteId> {
  readonly params: Field<(typeof API_ROUTES)[Id], 'params'>;
  readonly query: Field<(typeof API_ROUTES)[Id], 'query'>;
  readonly body: Field<(typeof API_ROUTES)[Id], 'body'>;
}

/** What a client sends. */
export interface RouteRequest<Id extends ApiRouteId> {
  readonly params: InputField<(typeof API_ROUTES)[Id], 'params'>;
  readonly query: InputField<(typeof API_ROUTES)[Id], 'query'>;
  readonly body: InputField<(typeof API_ROUTES)[Id], 'body'>;
}

export type RouteResponse<Id extends ApiRouteId> = (typeof API_ROUTES)[Id]['response'] extends z.ZodType
  ? z.output<(typeof API_ROUTES)[Id]['response']>
  : string;

/** The concrete path of a route: `:name` replaced by its (encoded) parameter. */
export function routePath(route: ApiRouteSpec, params: Readonly<Record<string, string>> = {}): string {
  return route.path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route.path}: parameter ${name} missing`);
    return encodeURIComponent(value);
  });
}

const MATCHERS = (Object.entries(API_ROUTES) as [ApiRouteId, ApiRouteSpec][]).map(([id, spec]) => ({
  id,
  method: spec.method,
  pattern: new RegExp(`^${spec.path.replace(/:[a-zA-Z]+/g, '[^/]+')}/?$`),
}));

/**
 * The route a method and path name, or null; for a call refused before the router saw it (a body
 * that is not JSON, or too large), so its action row still names the route.
 */
export function matchRoute(method: string, path: string): ApiRouteId | null {
  // The most specific first: `/api/backfills/preview` before `/api/backfills/:id`.
  const candidates = MATCHERS.filter((m) => m.method === method && m.pattern.test(path));
  const params = (id: ApiRouteId) => API_ROUTES[id].path.split(':').length;
  candidates.sort((a, b) => params(a.id) - params(b.id));
  return candidates[0]?.id ?? null;
}
