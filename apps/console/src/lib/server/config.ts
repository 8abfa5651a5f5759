import { ROLES, roleSchema, type Role } from '@dedup/contracts';
import { z } from 'zod';

/*
 * The console's configuration, read from the environment once, on first use (not at import: `next
 * build` imports every route without the runtime's secrets). Nothing else in the console reads
 * `process.env`. Server-only.
 */

const secret = (what: string) =>
  z
    .string({ error: `required: ${what}` })
    .min(32, `must be at least 32 characters (${what}); e.g. \`openssl rand -base64 32\``);

const optionalText = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const envSchema = z.object({
  /** Base URL of the processor's control-plane HTTP API. */
  PROCESSOR_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001'),
  /** Encrypts the console's session cookie (Auth.js) and keys its CSRF tokens. */
  AUTH_SECRET: secret('the session cookie key'),
  /** Signs the short-lived token the console sends the processor for each call; the processor has the same. */
  CONSOLE_TOKEN_SECRET: secret('shared with the processor'),
  /** JSON file of local users (docs/access-control.md); none: only OIDC sign-in. */
  CONSOLE_USERS_FILE: optionalText,
  /** How long a session lasts without activity, seconds (default 8 h). */
  AUTH_SESSION_MAX_AGE_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(8 * 3_600),
  AUTH_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_OIDC_CLIENT_ID: optionalText,
  AUTH_OIDC_CLIENT_SECRET: optionalText,
  /** The button's label on the sign-in page. */
  AUTH_OIDC_NAME: z.string().trim().min(1).max(60).default('Single sign-on'),
  /** The ID-token claim that carries the person's groups or roles. */
  AUTH_OIDC_ROLE_CLAIM: z.string().trim().min(1).default('groups'),
  /** `claim-value=role,…`; e.g. `dedup-admins=admin,sre=operator,eng=viewer`. */
  AUTH_OIDC_ROLE_MAP: z.string().trim().default(''),
  /** The role of a person none of whose claim values is mapped; unset: such a person may not sign in. */
  AUTH_OIDC_DEFAULT_ROLE: roleSchema.optional(),
  /** Sign-in attempts per minute per client address. */
  CONSOLE_SIGNIN_LIMIT_PER_ADDRESS: z.coerce.number().int().min(1).default(20),
  /** Failed sign-in attempts per 15 minutes per user name. */
  CONSOLE_SIGNIN_LIMIT_PER_USER: z.coerce.number().int().min(1).default(10),
  /** Mutating console calls per minute per signed-in person. */
  CONSOLE_MUTATION_LIMIT_PER_USER: z.coerce.number().int().min(1).default(60),
  /** A trace id in the console becomes a link: `{traceId}` is replaced. */
  TRACE_URL_TEMPLATE: optionalText,
});

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly name: string;
  readonly roleClaim: string;
  /** Claim value → role. */
  readonly roleMap: ReadonlyMap<string, Role>;
  readonly defaultRole: Role | null;
}

export interface ConsoleConfig {
  /** Processor base URL without a trailing slash. */
  readonly processorUrl: string;
  readonly authSecret: string;
  readonly consoleTokenSecret: string;
  readonly usersFile: string | null;
  readonly sessionMaxAgeSeconds: number;
  readonly oidc: OidcConfig | null;
  readonly limits: {
    readonly signInPerAddressPerMinute: number;
    readonly signInFailuresPerUserPer15Minutes: number;
    readonly mutationsPerUserPerMinute: number;
  };
  readonly traceUrlTemplate: string | null;
}

/** `a=admin, b = operator` → Map; every entry must name a role. */
export function parseRoleMap(text: string): Map<string, Role> | string {
  const map = new Map<string, Role>();
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const at = entry.lastIndexOf('=');
    const value = entry.slice(0, at).trim();
    const role = roleSchema.safeParse(entry.slice(at + 1).trim());
    if (at <= 0 || value === '' || !role.success) {
      return `"${entry.trim()}" is not claim-value=role (roles: ${ROLES.join(', ')})`;
    }
    map.set(value, role.data);
  }
  return map;
}

export function loadConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  // An empty variable is an unset one (docker-compose's `${X:-}` passes empty strings).
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  const problems: string[] = [];
  if (!parsed.success) problems.push(z.prettifyError(parsed.error));
  const e = parsed.data;
  let oidc: OidcConfig | null = null;
  if (e !== undefined) {
    const oidcKeys = [e.AUTH_OIDC_ISSUER, e.AUTH_OIDC_CLIENT_ID, e.AUTH_OIDC_CLIENT_SECRET];
    const roleMap = parseRoleMap(e.AUTH_OIDC_ROLE_MAP);
    if (typeof roleMap === 'string') problems.push(`AUTH_OIDC_ROLE_MAP: ${roleMap}`);
    if (oidcKeys.some((k) => k !== undefined) && oidcKeys.some((k) => k === undefined)) {
      problems.push('AUTH_OIDC_ISSUER, AUTH_OIDC_CLIENT_ID and AUTH_OIDC_CLIENT_SECRET go together');
    } else if (
      e.AUTH_OIDC_ISSUER !== undefined &&
      e.AUTH_OIDC_CLIENT_ID !== undefined &&
      e.AUTH_OIDC_CLIENT_SECRET !== undefined &&
      typeof roleMap !== 'string'
    ) {
      oidc = {
        issuer: e.AUTH_OIDC_ISSUER,
        clientId: e.AUTH_OIDC_CLIENT_ID,
        clientSecret: e.AUTH_OIDC_CLIENT_SECRET,
        name: e.AUTH_OIDC_NAME,
        roleClaim: e.AUTH_OIDC_ROLE_CLAIM,
        roleMap,
        defaultRole: e.AUTH_OIDC_DEFAULT_ROLE ?? null,
      };
    }
    if (e.CONSOLE_USERS_FILE === undefined && e.AUTH_OIDC_ISSUER === undefined) {
      problems.push('no way to sign in: set CONSOLE_USERS_FILE, or AUTH_OIDC_ISSUER with its client');
    }
  }
  if (problems.length > 0 || e === undefined) {
    // Lists every bad key at once, so one restart fixes them all.
    throw new Error(`Invalid console configuration:\n${problems.join('\n')}`);
  }
  return Object.freeze({
    processorUrl: e.PROCESSOR_URL.replace(/\/+$/, ''),
    authSecret: e.AUTH_SECRET,
    consoleTokenSecret: e.CONSOLE_TOKEN_SECRET,
    usersFile: e.CONSOLE_USERS_FILE ?? null,
    sessionMaxAgeSeconds: e.AUTH_SESSION_MAX_AGE_S,
    oidc,
    limits: {
      signInPerAddressPerMinute: e.CONSOLE_SIGNIN_LIMIT_PER_ADDRESS,
      signInFailuresPerUserPer15Minutes: e.CONSOLE_SIGNIN_LIMIT_PER_USER,
      mutationsPerUserPerMinute: e.CONSOLE_MUTATION_LIMIT_PER_USER,
    },
    traceUrlTemplate: e.TRACE_URL_TEMPLATE ?? null,
  });
}

let loaded: ConsoleConfig | undefined;

/** The configuration, validated on first use; a bad one throws with every problem listed. */
export function config(): ConsoleConfig {
  loaded ??= loadConfig(process.env);
  return loaded;
}
