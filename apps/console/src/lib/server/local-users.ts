import { roleSchema, type Role } from '@dedup/contracts';
import bcrypt from 'bcryptjs';
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';

/*
 * Local users: a JSON file (CONSOLE_USERS_FILE) of names, roles and bcrypt hashes, for a console
 * without an identity provider and for `npm start`'s demo users. Read again whenever the file
 * changes, so removing a user or changing a role needs no restart: a session of a removed user ends
 * at its next request (see auth.ts). Server-only.
 */

export const localUserSchema = z.strictObject({
  username: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits and . _ - (at most 64)'),
  /** Shown in the console and the action log; the user name when absent. */
  name: z.string().trim().min(1).max(100).optional(),
  role: roleSchema,
  /** bcrypt (`$2a$`/`$2b$`/`$2y$`), cost 10 or more. */
  passwordHash: z
    .string()
    .regex(/^\$2[aby]\$(1\d|2\d|3[01])\$[./A-Za-z0-9]{53}$/, 'a bcrypt hash, cost ≥ 10'),
});
export type LocalUser = z.infer<typeof localUserSchema>;

export const localUsersFileSchema = z.strictObject({
  users: z.array(localUserSchema).superRefine((users, ctx) => {
    const seen = new Set<string>();
    for (const user of users) {
      if (seen.has(user.username)) ctx.addIssue({ code: 'custom', message: `user "${user.username}" twice` });
      seen.add(user.username);
    }
  }),
});

export interface SignedInLocalUser {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
}

let cache: { path: string; mtimeMs: number; size: number; users: Map<string, LocalUser> } | undefined;

/** The users of the file, re-read when its modification time or size changes. Throws when it is invalid. */
export function localUsers(path: string): ReadonlyMap<string, LocalUser> {
  const stat = statSync(path);
  if (cache?.path === path && cache.mtimeMs === stat.mtimeMs && cache.size === stat.size) return cache.users;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`CONSOLE_USERS_FILE ${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = localUsersFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`CONSOLE_USERS_FILE ${path} is invalid:\n${z.prettifyError(parsed.error)}`);
  }
  const users = new Map(parsed.data.users.map((u) => [u.username, u]));
  cache = { path, mtimeMs: stat.mtimeMs, size: stat.size, users };
  return users;
}

/** A hash of a password nobody has, compared against when the user does not exist (same timing). */
const NO_SUCH_USER_HASH = bcrypt.hashSync('no such user', 10);

/** The user when the name and password match, else null; takes a bcrypt comparison either way. */
export async function verifyLocalUser(
  path: string,
  username: string,
  password: string,
): Promise<SignedInLocalUser | null> {
  const user = localUsers(path).get(username);
  const ok = await bcrypt.compare(password, user?.passwordHash ?? NO_SUCH_USER_HASH);
  return ok && user !== undefined ? toSignedIn(user) : null;
}

/** The current name and role of a signed-in local user, or null when the file no longer has them. */
export function currentLocalUser(path: string, username: string): SignedInLocalUser | null {
  const user = localUsers(path).get(username);
  return user === undefined ? null : toSignedIn(user);
}

function toSignedIn(user: LocalUser): SignedInLocalUser {
  return { id: `local:${user.username}`, name: user.name ?? user.username, role: user.role };
}
