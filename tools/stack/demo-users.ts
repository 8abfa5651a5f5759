// The console's demo users for `npm start`: viewer, operator and admin, each with a random password,
// in <repo>/.local/console-users.json (the CONSOLE_USERS_FILE format of
// apps/console/src/lib/server/local-users.ts). Made once; the passwords are printed only then, since
// the file keeps bcrypt hashes alone. Statically imports only node: builtins (tools/dev.ts imports this
// file); bcryptjs is loaded when a file is made, after `npm install` has run.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Each demo user is named after its role (libs/contracts ROLES). */
const DEMO_ROLES = ['viewer', 'operator', 'admin'] as const;

/** The lowest cost the console accepts (local-users.ts): sign-in stays fast on a laptop. */
const BCRYPT_COST = 10;

export interface DemoUsers {
  /** Absolute path, for CONSOLE_USERS_FILE. */
  readonly file: string;
  /** Whether this call made the file (and printed the passwords). */
  readonly created: boolean;
}

export function demoUsersFile(repoRoot: string): string {
  return path.join(repoRoot, '.local', 'console-users.json');
}

/**
 * Makes the demo users file unless it exists, printing the passwords when it does; a file that exists
 * is left alone (delete it for new passwords). Two starts racing both end with the same one file.
 */
export async function ensureDemoUsers(repoRoot: string, log: (msg: string) => void): Promise<DemoUsers> {
  const file = demoUsersFile(repoRoot);
  const shown = path.relative(repoRoot, file);
  const existing = () => {
    log(`demo users: in ${shown}; their passwords were shown when it was created (delete it for new ones)`);
    return { file, created: false };
  };
  if (existsSync(file)) return existing();

  const { default: bcrypt } = await import('bcryptjs');
  const users = await Promise.all(
    DEMO_ROLES.map(async (role) => {
      // 12 random bytes are 16 base64url characters: 96 bits, past any guessing.
      const password = randomBytes(12).toString('base64url');
      return { role, password, passwordHash: await bcrypt.hash(password, BCRYPT_COST) };
    }),
  );
  const json = {
    users: users.map((u) => ({
      username: u.role,
      name: `Demo ${u.role}`,
      role: u.role,
      passwordHash: u.passwordHash,
    })),
  };

  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole to a temporary file, then linked into place: link() fails when the file exists, so
  // a concurrent start's file is never replaced and nobody reads a half-written one.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(json, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return existing();
    throw error;
  } finally {
    await unlink(tmp);
  }

  log(`demo users (shown once; delete ${shown} to make new ones):`);
  for (const u of users) log(`  ${u.role.padEnd(9)} password ${u.password}`);
  return { file, created: true };
}
