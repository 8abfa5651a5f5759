import { z } from 'zod';

/**
 * Access control (docs/access-control.md, docs/adr/0008). Three roles, each including the one below:
 * `viewer` reads everything, `operator` also replays, backfills and discards, `admin` also manages
 * API tokens (and whatever later needs more than an operator).
 */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether a principal with role `have` may call a route that needs `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need];
}

/**
 * The short-lived token the console signs for each call it makes on behalf of a signed-in person
 * (HS256 with the secret both share, CONSOLE_TOKEN_SECRET); the processor verifies it on every call.
 */
export const CONSOLE_TOKEN = {
  issuer: 'dedup-console',
  audience: 'dedup-processor',
  algorithm: 'HS256',
  /** The processor refuses a console token that lives longer than this (seconds). */
  maxLifetimeSeconds: 300,
} as const;

/** What the console puts in its token besides iss/aud/iat/exp: who, and with which role. */
export const consoleTokenClaimsSchema = z.object({
  /** A stable user id: `local:<username>` or `oidc:<issuer subject>`. */
  sub: z.string().min(1).max(200),
  /** A display name for the action log. */
  name: z.string().min(1).max(200),
  role: roleSchema,
});
export type ConsoleTokenClaims = z.infer<typeof consoleTokenClaimsSchema>;

/** API tokens are `dpt_` + 43 base64url characters (32 random bytes); only a hash is stored. */
export const API_TOKEN_PREFIX = 'dpt_';
export const apiTokenPattern = /^dpt_[A-Za-z0-9_-]{43}$/;

/** Who the processor thinks is calling: `GET /api/auth/me`. */
export const principalSchema = z.object({
  kind: z.enum(['user', 'token']),
  /** `local:alice`, `oidc:…`, or `token:<id>`. */
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  /** When the credential stops working (ISO-8601); null for a token without expiry. */
  expiresAt: z.string().nullable(),
});
export type Principal = z.infer<typeof principalSchema>;

/** Every 4xx/5xx of the processor's API: the status, its name, and a message that says why. */
export const apiErrorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  message: z.string(),
  /** The request id (also the `x-request-id` response header), as in the action log and the logs. */
  requestId: z.string().optional(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

// --- API tokens -----------------------------------------------------------------------------------

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  /** The first characters of the token, to recognise it; never enough to use it. */
  prefix: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  /** Every token expires (at most 10 years after it was issued). */
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const apiTokenListResponseSchema = z.object({ tokens: z.array(apiTokenSchema) });
export type ApiTokenListResponse = z.infer<typeof apiTokenListResponseSchema>;

/** `POST /api/tokens` */
export const createApiTokenRequestSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9 ._:@-]+$/, 'letters, digits, space and . _ : @ -'),
  role: roleSchema,
  /** Days until it stops working, 1…3650; omitted: 90. Tokens without expiry are not issued. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiTokenRequest = z.input<typeof createApiTokenRequestSchema>;

/** The answer of `POST /api/tokens`: the only time the token itself is shown. */
export const createdApiTokenSchema = apiTokenSchema.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof createdApiTokenSchema>;

// --- the operator action log ---------------------------------------------------------------------

/**
 * ok: the call did what it asked; refused: no credential, a bad one, the wrong role or a rate limit
 * (401/403/429); rejected: a bad request (another 4xx); failed: the server could not do it (5xx).
 */
export const ACTION_RESULTS = ['ok', 'refused', 'rejected', 'failed'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

export const operatorActionSchema = z.object({
  id: z.string(),
  at: z.string(),
  /** The principal's id (`local:alice`, `token:3`); null when the caller could not be identified. */
  actor: z.string().nullable(),
  actorName: z.string().nullable(),
  actorKind: z.enum(['user', 'token', 'system', 'anonymous']),
  role: roleSchema.nullable(),
  /** The route id of the call (`backfills.create`), or what the system did (`backfill.completed`). */
  action: z.string(),
  method: z.string().nullable(),
  path: z.string().nullable(),
  /** What it acted on, e.g. `backfill/12`. */
  target: z.string(),
  /** The call's parameters (path, query and body), secrets left out. */
  details: z.record(z.string(), z.unknown()),
  dryRun: z.boolean(),
  result: z.enum(ACTION_RESULTS),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  requestId: z.string().nullable(),
  traceId: z.string().nullable(),
  remoteAddress: z.string().nullable(),
});
export type OperatorAction = z.infer<typeof operatorActionSchema>;

/** `GET /api/actions` filters; newest first, `cursor` from the previous page's `nextCursor`. */
export const actionListQuerySchema = z.strictObject({
  actor: z.string().max(200).optional(),
  action: z.string().max(100).optional(),
  result: z.enum(ACTION_RESULTS).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type ActionListQuery = z.input<typeof actionListQuerySchema>;

export const actionListResponseSchema = z.object({
  actions: z.array(operatorActionSchema),
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ActionListResponse = z.infer<typeof actionListResponseSchema>;
