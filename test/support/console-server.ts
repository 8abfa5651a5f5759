import type { Role } from '@dedup/contracts';
import bcrypt from 'bcryptjs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { TEST_CONSOLE_TOKEN_SECRET } from './auth';
import { freePort } from './processor-process';
import { eventually, realStack } from './real-stack';

const repoRoot = path.resolve(__dirname, '..', '..');

/** The console's session key in tests (never a real one). */
export const TEST_AUTH_SECRET = 'test-auth-secret-for-the-console-0123456789';

/** One local user per role, named after it, each with a known password. */
export const TEST_USERS: Readonly<Record<Role, { username: string; password: string; name: string }>> = {
  viewer: { username: 'viewer', password: 'viewer-password-for-tests', name: 'Test viewer' },
  operator: { username: 'operator', password: 'operator-password-for-tests', name: 'Test operator' },
  admin: { username: 'admin', password: 'admin-password-for-tests', name: 'Test admin' },
};

/** Writes the users file of TEST_USERS (bcrypt cost 10, as the console requires). */
export async function writeTestUsersFile(file: string): Promise<void> {
  const users = await Promise.all(
    (Object.entries(TEST_USERS) as [Role, (typeof TEST_USERS)[Role]][]).map(async ([role, user]) => ({
      username: user.username,
      name: user.name,
      role,
      passwordHash: await bcrypt.hash(user.password, 10),
    })),
  );
  await writeFile(file, JSON.stringify({ users }, null, 2), { mode: 0o600 });
}

/** The console's production build (`next build apps/console` must have run), in its own process group. */
export class ConsoleServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly usersFile: string,
  ) {}

  static async start(
    processorUrl: string,
    name: string,
    env: Readonly<Record<string, string>> = {},
  ): Promise<ConsoleServer> {
    const port = await freePort();
    const { runDir } = realStack();
    const usersFile = path.join(runDir, `${name}-console-users.json`);
    await writeTestUsersFile(usersFile);
    const log = createWriteStream(path.join(runDir, `${name}-console.log`));
    const child = spawn(
      path.join(repoRoot, 'node_modules/.bin/next'),
      ['start', 'apps/console', '-p', String(port), '-H', '127.0.0.1'],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          PROCESSOR_URL: processorUrl,
          NEXT_TELEMETRY_DISABLED: '1',
          AUTH_SECRET: TEST_AUTH_SECRET,
          CONSOLE_TOKEN_SECRET: TEST_CONSOLE_TOKEN_SECRET,
          CONSOLE_USERS_FILE: usersFile,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const server = new ConsoleServer(child, `http://127.0.0.1:${port}`, usersFile);
    await eventually(
      'console up',
      async () => {
        if (child.exitCode !== null) throw new Error(`console exited with ${child.exitCode}`);
        return (await fetch(`${server.baseUrl}/signin`)).ok ? true : undefined;
      },
      60_000,
    );
    return server;
  }

  /** Signs `page` in as the test user of `role` through the sign-in page, and waits for the overview. */
  async signIn(page: Page, role: Role, then = '/'): Promise<void> {
    const user = TEST_USERS[role];
    await page.goto(`${this.baseUrl}/signin?callbackUrl=${encodeURIComponent(then)}`);
    await page.getByLabel('User name').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: user.name }).waitFor();
  }

  stop(): void {
    if (this.child.pid !== undefined && this.child.exitCode === null)
      process.kill(-this.child.pid, 'SIGTERM');
  }
}
