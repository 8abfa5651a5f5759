import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer, TEST_USERS } from '../support/console-server';
import { produce } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Sign-in and roles in the console (issue 13; docs/access-control.md), in real Chromium against the
 * console's production build and a real processor: every console API route refuses a caller
 * without a session (the routes are read from the app's files, so a new one is covered); a viewer
 * sees no mutating control and a replayed POST is refused; a forged cross-site request with an
 * operator's cookies is refused; sign-out, a removed user, the cookie's attributes; sign-in attempts
 * are rate-limited (429 with Retry-After).
 */

const repoRoot = path.resolve(__dirname, '..', '..');
const apiDir = path.join(repoRoot, 'apps/console/src/app/api');

/** Every route handler of the console's /api (but Auth.js's own), with the methods it exports. */
function consoleApiRoutes(): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'route.ts') {
        const rel = path.relative(apiDir, dir);
        if (rel.startsWith('auth')) continue;
        const source = readFileSync(full, 'utf8');
        const urlPath = `/api/${rel}`
          .replace(/\[\.\.\.[^\]]+\]/g, 'x/y')
          .replace(/\[action\]/g, 'pause')
          .replace(/\[[^\]]+\]/g, '1');
        for (const match of source.matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g)) {
          routes.push({ method: match[1]!, path: urlPath });
        }
      }
    }
  };
  walk(apiDir);
  return routes;
}

describe('console access control in Chromium', () => {
  const name = uniqueName('e2e-acl');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let attacker: Server | undefined;
  let jobId = '';

  beforeAll(async () => {
    await createPipelineTopics(topics);
    await produce(
      topics.input,
      Array.from({ length: 20 }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({
          event_id: `acl-${i}`,
          event_type: 'ui.acl',
          event_time: Date.now(),
          payload: {},
          schema_version: 1,
        }),
      })),
    );
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    consoleServer = await ConsoleServer.start(processor.baseUrl, name, {
      CONSOLE_SIGNIN_LIMIT_PER_ADDRESS: '15',
    });
    // A paused job: one a viewer could pause/resume/cancel if the page offered it.
    const created = await processor.call('POST', '/api/backfills', {
      targetTopic: `${name}.backfill.out`,
      range: { kind: 'time' },
      maxEventsPerSecond: 1,
      reason: 'acl e2e',
    });
    expect(created.status).toBe(201);
    jobId = ((await created.json()) as { id: string }).id;
    expect((await processor.call('POST', `/api/backfills/${jobId}/pause`)).status).toBe(200);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    attacker?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  const signedIn = async (
    role: keyof typeof TEST_USERS,
    then = '/',
  ): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await consoleServer!.signIn(page, role, then);
    return { context, page };
  };

  it('refuses every console API route without a session (401), and sends pages to the sign-in page', async () => {
    const routes = consoleApiRoutes();
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /api/stats', 'POST /api/backfills', 'POST /api/backfills/1/pause']),
    );
    for (const route of routes) {
      const res = await fetch(`${consoleServer!.baseUrl}${route.path}`, {
        method: route.method,
        headers: { 'content-type': 'application/json', origin: consoleServer!.baseUrl },
        ...(route.method === 'GET' ? {} : { body: '{}' }),
        redirect: 'manual',
      });
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
      const body = (await res.json()) as { code: string; error: string };
      expect(body.code).toBe('unauthenticated');
      expect(body.error).toMatch(/sign in/i);
    }
    const page = await browser!.newPage();
    for (const pathname of ['/', '/backfills', '/activity']) {
      await page.goto(`${consoleServer!.baseUrl}${pathname}`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/signin');
    }
    await page.screenshot({ path: path.join(realStack().runDir, 'signin.png') });
    await page.close();
  });

  it('says a wrong password is wrong, without saying which part', async () => {
    const page = await browser!.newPage();
    await page.goto(`${consoleServer!.baseUrl}/signin`);
    await page.getByLabel('User name').fill('operator');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('signin-error').filter({ hasText: 'Wrong user name or password.' }).waitFor();
    await page.getByLabel('User name').fill('nobody');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('signin-error').filter({ hasText: 'Wrong user name or password.' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.close();
  });

  it('sets the session cookie httpOnly and SameSite=Lax (not Secure on plain http)', async () => {
    const { context } = await signedIn('viewer');
    const session = (await context.cookies()).find((c) => c.name.endsWith('authjs.session-token'));
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
    expect(session!.expires).toBeGreaterThan(Date.now() / 1000);
    await context.close();
  });

  it('shows a viewer no mutating control, and refuses a replayed POST from their page (403)', async () => {
    const { context, page } = await signedIn('viewer', '/backfills');
    await page.getByRole('heading', { level: 1, name: 'Backfills' }).waitFor();
    await page.getByTestId('read-only-note').waitFor();
    await page.getByText(`${name}.backfill.out`).first().waitFor();
    expect(await page.getByRole('button', { name: /^(Preview|Start|Pause|Resume|Cancel)/ }).count()).toBe(0);
    expect(await page.locator('form[aria-label*="backfill" i], #backfill-form').count()).toBe(0);

    // The POST an operator's form would send, replayed from the viewer's own page with the right
    // origin and CSRF token: the role is what is refused, by the console and the processor alike.
    const csrf = (await page.locator('meta[name="dedup-csrf"]').getAttribute('content')) ?? '';
    expect(csrf).not.toBe('');
    const replay = await page.evaluate(
      async ({ id, csrf }) => {
        const post = async (url: string, body?: unknown) => {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          return { status: res.status, body: await res.json() };
        };
        return {
          create: await post('/api/backfills', { targetTopic: 'viewer.target', range: { kind: 'time' } }),
          resume: await post(`/api/backfills/${id}/resume`),
        };
      },
      { id: jobId, csrf },
    );
    // The processor refuses it by the console token's role, and its message reaches the page.
    expect(replay.create.status).toBe(403);
    expect(replay.create.body).toEqual({
      code: 'rejected',
      error: 'POST /api/backfills needs the role operator; Test viewer (local:viewer) has viewer',
    });
    expect(replay.resume.status).toBe(403);
    const job = (await (await processor!.get(`/api/backfills/${jobId}`)).json()) as { status: string };
    expect(job.status).toBe('paused');
    await page.screenshot({ path: path.join(realStack().runDir, 'backfills-viewer.png') });
    await context.close();
  });

  it("refuses a forged cross-site request carrying an operator's cookies, and one without the CSRF token", async () => {
    const { context, page } = await signedIn('operator', '/backfills');
    // The attacker's page: another port of the same host (the same site, so SameSite=Lax cookies go
    // along), posting a form to the console the moment it loads.
    attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<form id="f" method="POST" action="${consoleServer!.baseUrl}/api/backfills/${jobId}/resume"
        enctype="text/plain"><input name='{"x":"' value='"}'></form><script>f.submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker!.listen(0, '127.0.0.1', resolve));
    const attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    const evil = await context.newPage();
    const [forged] = await Promise.all([
      evil.waitForResponse((r) => r.url().includes(`/api/backfills/${jobId}/resume`)),
      evil.goto(attackerUrl),
    ]);
    expect(forged.request().headers()['cookie'] ?? (await forged.request().allHeaders())['cookie']).toMatch(
      /authjs\.session-token/,
    );
    expect(forged.status()).toBe(403);
    expect(await forged.json()).toMatchObject({ code: 'csrf' });

    // Same origin, but without this session's token (e.g. a script that stole only the cookie).
    const tokenless = await page.evaluate(async (id) => {
      const res = await fetch(`/api/backfills/${id}/resume`, { method: 'POST' });
      return { status: res.status, body: await res.json() };
    }, jobId);
    expect(tokenless).toMatchObject({ status: 403, body: { code: 'csrf' } });
    const job = (await (await processor!.get(`/api/backfills/${jobId}`)).json()) as { status: string };
    expect(job.status).toBe('paused');
    await context.close();
  });

  it('lets an operator act, records it under their name, and signs them out', async () => {
    const { context, page } = await signedIn('operator', '/backfills');
    const card = page.getByRole('article').filter({ hasText: `${name}.backfill.out` });
    await card.getByRole('button', { name: /^Cancel/ }).click();
    await card.getByRole('button', { name: /^Yes, cancel/ }).click();
    await eventually(
      'job cancelled',
      async () => {
        const job = (await (await processor!.get(`/api/backfills/${jobId}`)).json()) as { status: string };
        return job.status === 'cancelled' ? true : undefined;
      },
      15_000,
    );
    const actions = (await (await processor!.get(`/api/actions?action=backfills.cancel&limit=5`)).json()) as {
      actions: { actor: string; actorName: string; role: string; result: string; target: string }[];
    };
    expect(actions.actions[0]).toMatchObject({
      actor: 'local:operator',
      actorName: 'Test operator',
      role: 'operator',
      result: 'ok',
      target: `backfill/${jobId}`,
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    await page.goto(`${consoleServer!.baseUrl}/backfills`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    const after = await page.evaluate(async () => (await fetch('/api/backfills')).status);
    expect(after).toBe(401);
    await context.close();
  });

  it('shows the action log on the Activity page, filtered by what is in the URL, to a viewer', async () => {
    const { context, page } = await signedIn('viewer', '/activity');
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    // Filter in the form: the filters land in the URL, and the URL alone reproduces the view.
    await page.locator('select[name="action"]').selectOption('backfills.cancel');
    await page.getByRole('button', { name: /^(Filter|Apply|Show)/ }).click();
    await page.waitForURL(/action=backfills\.cancel/);
    const table = page.getByRole('table', { name: 'Operator actions' });
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    await expect(rows.first().innerText()).resolves.toMatch(
      /Test operator[\s\S]*backfills\.cancel[\s\S]*\bok\b/i,
    );
    await page.screenshot({ path: path.join(realStack().runDir, 'activity.png'), fullPage: true });

    // Refusals are in the log too: the viewer's replayed create and resume.
    await page.goto(`${consoleServer!.baseUrl}/activity?result=refused&actor=local%3Aviewer`);
    await table.waitFor();
    const refused = await rows.allInnerTexts();
    expect(refused.map((r) => /backfills\.(create|resume)/.exec(r)?.[0]).sort()).toEqual([
      'backfills.create',
      'backfills.resume',
    ]);
    await page.goto(`${consoleServer!.baseUrl}/activity?actor=nobody-at-all`);
    await page.getByTestId('activity-empty').waitFor();

    await page.goto(`${consoleServer!.baseUrl}/activity?from=not-a-date`);
    await page.getByTestId('activity-problems').waitFor();
    await context.close();
  });

  it('ends the session of a user removed from the users file at their next request', async () => {
    const { context, page } = await signedIn('admin');
    const users = JSON.parse(readFileSync(consoleServer!.usersFile, 'utf8')) as {
      users: { username: string }[];
    };
    await writeFile(
      consoleServer!.usersFile,
      JSON.stringify({ users: users.users.filter((u) => u.username !== 'admin') }),
    );
    await page.goto(`${consoleServer!.baseUrl}/backfills`);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await writeFile(consoleServer!.usersFile, JSON.stringify(users));
    await context.close();
  });

  // Last: it spends this address's sign-in budget.
  it('refuses sign-in attempts over the per-address limit with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 20 && !statuses.includes(429); i += 1) {
      const res = await fetch(`${consoleServer!.baseUrl}/api/auth/callback/credentials`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=operator&password=guess',
        redirect: 'manual',
      });
      statuses.push(res.status);
      retryAfter ??= res.headers.get('retry-after');
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('counts its refusals on /metrics, across the proxy and the route handlers', async () => {
    const text = await (await fetch(`${consoleServer!.baseUrl}/metrics`)).text();
    const value = (reason: string) =>
      Number(
        new RegExp(`^dedup_console_refusals_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1],
      );
    // Refused above: every API route without a session, the forged and the tokenless POSTs, the
    // sign-ins over the address limit (counted by the proxy).
    expect(value('unauthenticated')).toBeGreaterThanOrEqual(5);
    expect(value('csrf')).toBeGreaterThanOrEqual(2);
    expect(value('rate_limited_signin_address')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^dedup_console_sign_ins_total\{result="failed"\} [1-9]/m);
  });
});
