import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  API_ROUTES,
  API_ROUTE_IDS,
  apiErrorSchema,
  buildOpenApiDocument,
  roleAllows,
  routePath,
  ROLES,
  type ApiRouteId,
  type ApiRouteSpec,
  type Role,
} from '@dedup/contracts';
import { execFileSync } from 'node:child_process';
import { consoleToken } from '../support/auth';
import { createTopics, produce } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { realStack, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Access control on the real processor (issue 13; docs/access-control.md): every route of the route
 * table × every kind of caller, generated from the table, so a new route without a sample request
 * here does not compile and one whose rule the server does not apply fails; the server maps no
 * route the table does not have; one action-log row per logged call, allowed or refused; hostile
 * bodies, text (U+0000) and values (times before 1970, topic names Kafka refuses, a replay of
 * statuses it cannot take); the rate limit; the served OpenAPI document is the committed one.
 */

const repoRoot = path.resolve(__dirname, '..', '..');

/** A request per route that, once authorized, does no lasting harm (404s, previews, bad ranges). */
const SAMPLES = {
  'health.live': {},
  'health.ready': {},
  metrics: {},
  'openapi.get': {},
  'auth.me': {},
  'stats.get': {},
  'watermarks.get': {},
  'overview.get': { query: { range: '15m' } },
  'lateness.get': { query: { range: '1h' } },
  'exactly-once.get': { query: { range: '1h' } },
  'backfills.list': {},
  'backfills.get': { params: { id: '999999999' } },
  'backfills.preview': { body: { targetTopic: 'matrix.target', range: { kind: 'time' } } },
  // from after to: refused by the planner (400) once the caller is through.
  'backfills.create': {
    body: {
      targetTopic: 'matrix.target',
      range: { kind: 'time', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    },
  },
  'backfills.pause': { params: { id: '999999999' } },
  'backfills.resume': { params: { id: '999999999' } },
  'backfills.cancel': { params: { id: '999999999' } },
  'tokens.list': {},
  'tokens.create': { body: { name: 'matrix', role: 'viewer', expiresInDays: 1 } },
  'tokens.revoke': { params: { id: '999999999' } },
  'actions.list': { query: { limit: '5' } },
  'dlq.groups': {},
  'dlq.list': { query: { limit: '5' } },
  'dlq.get': { params: { id: '999999999' } },
  'dlq.discard': { body: { selection: { ids: ['999999999'] }, reason: 'matrix test' } },
  'replays.list': {},
  'replays.get': { params: { id: '999999999' } },
  // Selects nothing (no such record): a preview of 0 records, which can never start.
  'replays.preview': { body: { selection: { ids: ['999999999'] } } },
  'replays.start': { body: { token: 'no-such-preview-token-0123456789' } },
  'replays.pause': { params: { id: '999999999' } },
  'replays.resume': { params: { id: '999999999' } },
  'replays.cancel': { params: { id: '999999999' } },
  'lineage.search': { query: { eventId: 'matrix' } },
} satisfies Record<
  ApiRouteId,
  { params?: Record<string, string>; query?: Record<string, string>; body?: unknown }
>;

type Caller =
  | { readonly kind: 'none' }
  | { readonly kind: 'role'; readonly role: Role; readonly via: 'console' | 'api-token' }
  | { readonly kind: 'invalid'; readonly why: string };

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function cli(args: string[], env: Record<string, string>): string {
  return execFileSync(process.execPath, [path.join(repoRoot, 'apps/processor/dist/cli/tokens.js'), ...args], {
    env: { PATH: process.env['PATH'], DATABASE_URL: realStack().databaseUrl, ...env },
    encoding: 'utf8',
  });
}

describe('access control: every route × every caller', () => {
  const name = uniqueName('acl');
  const topics = pipelineTopics(name);
  const env = pipelineEnv(name, topics, {
    RATE_LIMIT_PER_IDENTITY_PER_MINUTE: '100000',
    RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100000',
  });
  let processor: ProcessorProcess | undefined;
  const credentials = new Map<string, string | null>();
  const callers: Caller[] = [
    { kind: 'none' },
    ...ROLES.map((role): Caller => ({ kind: 'role', role, via: 'console' })),
    { kind: 'role', role: 'operator', via: 'api-token' },
    { kind: 'invalid', why: 'expired console token' },
    { kind: 'invalid', why: 'revoked API token' },
    { kind: 'invalid', why: 'expired API token' },
    { kind: 'invalid', why: 'unknown API token' },
    { kind: 'invalid', why: 'console token signed with another secret' },
    { kind: 'invalid', why: 'unsigned console token (alg none)' },
    { kind: 'invalid', why: 'console token from another issuer' },
    { kind: 'invalid', why: 'console token living an hour' },
  ];
  const label = (c: Caller) =>
    c.kind === 'none' ? 'no credential' : c.kind === 'role' ? `${c.role} (${c.via})` : c.why;

  beforeAll(async () => {
    processor = await ProcessorProcess.start(env, name);
    const cliEnv = { PIPELINE_NAME: name };
    const lastLine = (out: string) => out.trim().split('\n').at(-1) ?? '';
    const operatorToken = lastLine(cli(['create', '--name', `${name}-op`, '--role', 'operator'], cliEnv));
    const revoked = lastLine(cli(['create', '--name', `${name}-revoked`, '--role', 'admin'], cliEnv));
    const listLine = cli(['list'], cliEnv)
      .split('\n')
      .find((l) => l.includes(`${name}-revoked`));
    const id = listLine?.split('\t')[0];
    expect(id).toMatch(/^\d+$/);
    cli(['revoke', id!], cliEnv);
    const expired = lastLine(cli(['create', '--name', `${name}-expired`, '--role', 'admin'], cliEnv));
    await testPool().query(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE name = $1`, [
      `${name}-expired`,
    ]);
    const now = Math.floor(Date.now() / 1000);
    credentials.set('no credential', null);
    for (const role of ROLES) credentials.set(`${role} (console)`, await consoleToken(role));
    credentials.set('operator (api-token)', operatorToken);
    credentials.set('expired console token', await consoleToken('admin', { expiresInSeconds: -10 }));
    credentials.set('revoked API token', revoked);
    credentials.set('expired API token', expired);
    credentials.set('unknown API token', `dpt_${'A'.repeat(43)}`);
    credentials.set(
      'console token signed with another secret',
      await consoleToken('admin', { secret: 'another-secret-another-secret-another-secret' }),
    );
    credentials.set(
      'unsigned console token (alg none)',
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
        sub: 'local:mallory',
        name: 'mallory',
        role: 'admin',
        iss: 'dedup-console',
        aud: 'dedup-processor',
        iat: now,
        exp: now + 60,
      })}.`,
    );
    credentials.set('console token from another issuer', await consoleToken('admin', { issuer: 'evil' }));
    credentials.set('console token living an hour', await consoleToken('admin', { expiresInSeconds: 3600 }));
  }, 120_000);

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  async function send(
    id: ApiRouteId,
    credential: string | null,
    requestId: string,
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const route: ApiRouteSpec = API_ROUTES[id];
    const sample: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } =
      SAMPLES[id];
    const query = sample.query === undefined ? '' : `?${new URLSearchParams(sample.query).toString()}`;
    const res = await fetch(`${processor!.baseUrl}${routePath(route, sample.params)}${query}`, {
      method: route.method,
      headers: {
        'x-request-id': requestId,
        ...(credential === null ? {} : { authorization: `Bearer ${credential}` }),
        ...(sample.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(sample.body === undefined ? {} : { body: JSON.stringify(sample.body) }),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // /metrics is text
    }
    return { status: res.status, body, headers: res.headers };
  }

  const cases = API_ROUTE_IDS.flatMap((id) => callers.map((caller) => ({ id, caller, who: label(caller) })));

  it.each(cases)('$id as $who: the rule of the route table', async ({ id, caller }) => {
    const route: ApiRouteSpec = API_ROUTES[id];
    const requestId = `matrix-${randomUUID()}`;
    const { status, body } = await send(id, credentials.get(label(caller)) ?? null, requestId);
    const why = `${route.method} ${route.path} as ${label(caller)} answered ${status}: ${JSON.stringify(body)}`;
    if (route.access === 'public') {
      expect([route.successStatus, 503]).toContain(status);
    } else if (caller.kind !== 'role') {
      expect({ why, status }).toEqual({ why, status: 401 });
      expect(apiErrorSchema.parse(body).message.length).toBeGreaterThan(5);
    } else if (!roleAllows(caller.role, route.access)) {
      expect({ why, status }).toEqual({ why, status: 403 });
      expect(apiErrorSchema.parse(body).message).toContain(`needs the role ${route.access}`);
    } else {
      expect({ why, refused: [401, 403, 429].includes(status) || status >= 500 }).toEqual({
        why,
        refused: false,
      });
      if (status < 300 && route.response !== null) route.response.parse(body);
      if (status >= 400) expect(apiErrorSchema.parse(body).requestId).toBe(requestId);
    }
    const rows = await testPool().query<{ action: string; result: string; status_code: number | null }>(
      `SELECT action, result, status_code FROM operator_action WHERE request_id = $1`,
      [requestId],
    );
    if (route.logged) {
      expect({ why, rows: rows.rows }).toEqual({
        why,
        rows: [{ action: id, result: resultOf(status), status_code: status }],
      });
    } else {
      expect(rows.rows).toEqual([]);
    }
  });

  it('maps exactly the routes of the table (a handler without a row would be refused, and fails here)', async () => {
    const log = await readFile(processor!.logFile, 'utf8');
    const mapped = [...log.matchAll(/Mapped \{([^,]+), (GET|POST|PUT|PATCH|DELETE)\} route/g)].map(
      (m) => `${m[2]} ${m[1]}`,
    );
    const table = Object.values(API_ROUTES as Record<string, ApiRouteSpec>).map(
      (r) => `${r.method} ${r.path}`,
    );
    expect(new Set(mapped)).toEqual(new Set(table));
    expect(mapped).toHaveLength(table.length);
  });

  it('serves the OpenAPI document that docs/openapi.json commits, with every route', async () => {
    const served = (await (await fetch(`${processor!.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const committed: unknown = JSON.parse(await readFile(path.join(repoRoot, 'docs/openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
    expect(served).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument('0.1.0'))));
    for (const route of Object.values(API_ROUTES as Record<string, ApiRouteSpec>)) {
      const p = route.path.replace(/:([a-zA-Z]+)/g, '{$1}');
      expect(served.paths[p]?.[route.method.toLowerCase()]).toBeDefined();
    }
  });

  it('refuses a revoked token at once and says so', async () => {
    const admin = await consoleToken('admin');
    const created = await fetch(`${processor!.baseUrl}/api/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `${name}-short`, role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { id, token } = (await created.json()) as { id: string; token: string };
    const me = await fetch(`${processor!.baseUrl}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await me.json()).toMatchObject({ kind: 'token', id: `token:${id}`, role: 'viewer' });
    // The token itself is nowhere in the table or the log.
    const stored = await testPool().query(
      `SELECT count(*)::int AS n FROM operator_action WHERE details::text LIKE $1`,
      [`%${token}%`],
    );
    expect(stored.rows[0]).toEqual({ n: 0 });
    expect(await readFile(processor!.logFile, 'utf8')).not.toContain(token);
    const revoke = await fetch(`${processor!.baseUrl}/api/tokens/${id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(revoke.status).toBe(200);
    const after = await fetch(`${processor!.baseUrl}/api/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(401);
    expect(apiErrorSchema.parse(await after.json()).message).toBe(`API token ${id} was revoked`);
    const again = await fetch(`${processor!.baseUrl}/api/tokens/${id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(again.status).toBe(409);
  });

  describe('hostile requests get a 4xx with a message, one action row, and leave the process healthy', () => {
    const hostile: { what: string; contentType: string; body: string | Buffer; status: number }[] = [
      { what: 'malformed JSON', contentType: 'application/json', body: '{"targetTopic": ', status: 400 },
      { what: 'a JSON array', contentType: 'application/json', body: '[1,2,3]', status: 400 },
      {
        what: 'wrong types',
        contentType: 'application/json',
        body: '{"targetTopic": 7, "range": "all"}',
        status: 400,
      },
      {
        what: 'an unknown field',
        contentType: 'application/json',
        body: '{"targetTopic": "x", "range": {"kind": "time"}, "dropTables": true}',
        status: 400,
      },
      { what: 'not JSON', contentType: 'text/plain', body: 'targetTopic=x', status: 415 },
      {
        what: 'a 50 MB body',
        contentType: 'application/json',
        body: Buffer.concat([
          Buffer.from('{"reason":"'),
          Buffer.alloc(50 * 1024 * 1024, 0x61),
          Buffer.from('"}'),
        ]),
        status: 413,
      },
    ];
    it.each(hostile)('$what', async ({ contentType, body, status }) => {
      const requestId = `hostile-${randomUUID()}`;
      const res = await fetch(`${processor!.baseUrl}/api/backfills`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await consoleToken('operator')}`,
          'content-type': contentType,
          'x-request-id': requestId,
        },
        body,
      });
      expect(res.status).toBe(status);
      expect(apiErrorSchema.parse(await res.json()).message.length).toBeGreaterThan(5);
      const rows = await testPool().query<{ action: string; result: string }>(
        `SELECT action, result FROM operator_action WHERE request_id = $1`,
        [requestId],
      );
      expect(rows.rows).toEqual([{ action: 'backfills.create', result: 'rejected' }]);
      expect((await fetch(`${processor!.baseUrl}/health/live`)).status).toBe(200);
    });
  });

  describe('hostile text and values: 400 naming the field, one action row per logged call, a healthy process', () => {
    const NUL = '\u0000';
    type Hostile = {
      readonly what: string;
      readonly method: 'GET' | 'POST';
      readonly path: string;
      readonly body?: unknown;
      /** What the 400's message must say. */
      readonly says: string | RegExp;
    };
    const nul = (where: string, field: string) => `invalid ${where}: ${field} contains U+0000 (NUL)`;
    const target = { targetTopic: `${name}.hostile.target`, range: { kind: 'time' } };
    const t245 = 'a'.repeat(245);
    // The audit's cases (issue: API input validation): each was a 500, or a 201/200 that did harm.
    const hostile: Hostile[] = [
      { what: 'dlq q', method: 'GET', path: '/api/dlq?q=%00', says: nul('query', 'q') },
      {
        what: 'dlq errorType',
        method: 'GET',
        path: '/api/dlq?errorType=%00',
        says: nul('query', 'errorType'),
      },
      {
        what: 'dlq sourceTopic',
        method: 'GET',
        path: '/api/dlq?sourceTopic=%00',
        says: nul('query', 'sourceTopic'),
      },
      {
        what: 'lineage eventId',
        method: 'GET',
        path: '/api/lineage?eventId=%00',
        says: nul('query', 'eventId'),
      },
      {
        what: 'lineage dedupKey',
        method: 'GET',
        path: '/api/lineage?dedupKey=%00',
        says: nul('query', 'dedupKey'),
      },
      {
        what: 'lineage topic',
        method: 'GET',
        path: '/api/lineage?topic=%00&partition=0&offset=0',
        says: nul('query', 'topic'),
      },
      { what: 'actions actor', method: 'GET', path: '/api/actions?actor=%00', says: nul('query', 'actor') },
      {
        what: 'actions action',
        method: 'GET',
        path: '/api/actions?action=%00',
        says: nul('query', 'action'),
      },
      { what: 'lateness topic', method: 'GET', path: '/api/lateness?topic=%00', says: nul('query', 'topic') },
      {
        what: 'replay preview filter q',
        method: 'POST',
        path: '/api/dlq/replays/preview',
        body: { selection: { filter: { q: NUL } } },
        says: nul('body', 'selection.filter.q'),
      },
      {
        what: 'replay preview filter errorType',
        method: 'POST',
        path: '/api/dlq/replays/preview',
        body: { selection: { filter: { errorType: NUL } } },
        says: nul('body', 'selection.filter.errorType'),
      },
      {
        what: 'discard filter q',
        method: 'POST',
        path: '/api/dlq/discard',
        body: { selection: { filter: { q: NUL } }, reason: 'cleanup' },
        says: nul('body', 'selection.filter.q'),
      },
      {
        what: 'discard filter sourceTopic',
        method: 'POST',
        path: '/api/dlq/discard',
        body: { selection: { filter: { sourceTopic: NUL } }, reason: 'cleanup' },
        says: nul('body', 'selection.filter.sourceTopic'),
      },
      {
        what: 'discard reason',
        method: 'POST',
        path: '/api/dlq/discard',
        body: { selection: { ids: ['999999999'] }, reason: `a${NUL}bc` },
        says: nul('body', 'reason'),
      },
      {
        what: 'backfill preview reason',
        method: 'POST',
        path: '/api/backfills/preview',
        body: { ...target, reason: `ab${NUL}c` },
        says: nul('body', 'reason'),
      },
      {
        what: 'an unpaired surrogate in a reason',
        method: 'POST',
        path: '/api/backfills/preview',
        body: { ...target, reason: 'ab\ud800c' },
        says: 'invalid body: reason contains an unpaired UTF-16 surrogate',
      },
      ...(['/api/backfills/preview', '/api/backfills'] as const).flatMap((path): Hostile[] => [
        {
          what: `${path} from year 1`,
          method: 'POST',
          path,
          body: { ...target, range: { kind: 'time', from: '0001-01-01T00:00:00Z' } },
          says: /at or after 1970-01-01T00:00:00Z[^]*→ at range\.from/,
        },
        {
          what: `${path} to before 1970`,
          method: 'POST',
          path,
          body: { ...target, range: { kind: 'time', to: '1969-12-31T23:59:59Z' } },
          says: /at or after 1970-01-01T00:00:00Z[^]*→ at range\.to/,
        },
        ...['.', '..', '__consumer_offsets', '__transaction_state'].map((topic): Hostile => ({
          what: `${path} target ${topic}`,
          method: 'POST',
          path,
          body: { ...target, targetTopic: topic },
          says: /→ at targetTopic/,
        })),
        {
          what: `${path} a 245-character target`,
          method: 'POST',
          path,
          body: { ...target, targetTopic: t245 },
          says: 'too long for the duplicatesTopic named after it (256 characters, Kafka allows 249)',
        },
        {
          what: `${path} source __consumer_offsets`,
          method: 'POST',
          path,
          body: { ...target, sourceTopic: '__consumer_offsets' },
          says: /Kafka internal topic[^]*→ at sourceTopic/,
        },
      ]),
      ...['replaying', 'replayed', 'discarded', 'resolved'].map((status): Hostile => ({
        what: `replay preview of ${status} records`,
        method: 'POST',
        path: '/api/dlq/replays/preview',
        body: { selection: { filter: { status } } },
        says: 'a replay takes open or quarantined records only',
      })),
    ];

    it.each(hostile)('$what', async ({ method, path: pathname, body, says }) => {
      const requestId = `hostile-${randomUUID()}`;
      const res = await fetch(`${processor!.baseUrl}${pathname}`, {
        method,
        headers: {
          authorization: `Bearer ${await consoleToken('operator')}`,
          'x-request-id': requestId,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const answer = apiErrorSchema.parse(await res.json());
      expect({ status: res.status, message: answer.message }).toEqual({
        status: 400,
        message: (typeof says === 'string'
          ? expect.stringContaining(says)
          : expect.stringMatching(says)) as unknown,
      });
      const rows = await testPool().query<{ result: string; status_code: number }>(
        `SELECT result, status_code FROM operator_action WHERE request_id = $1`,
        [requestId],
      );
      expect(rows.rows).toEqual(method === 'POST' ? [{ result: 'rejected', status_code: 400 }] : []);
      expect((await fetch(`${processor!.baseUrl}/health/live`)).status).toBe(200);
    });

    it('a time range past the newest record is the end of the log; a quarantined replay is taken', async () => {
      const source = `${name}.hostile.source`;
      await createTopics({ [source]: 1 });
      await produce(source, [{ key: 'k', value: 'v', timestamp: String(Date.now()) }]);
      const operator = await consoleToken('operator');
      const post = (pathname: string, body: unknown) =>
        fetch(`${processor!.baseUrl}${pathname}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const preview = async (range: object) => {
        const res = await post('/api/backfills/preview', { ...target, sourceTopic: source, range });
        expect(res.status).toBe(200);
        return (await res.json()) as { totalRecords: number };
      };
      expect(await preview({ kind: 'time', from: '9999-12-31T23:59:59.999Z' })).toMatchObject({
        totalRecords: 0,
      });
      expect(
        await preview({ kind: 'time', from: '1970-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999Z' }),
      ).toMatchObject({ totalRecords: 1 });
      const replay = await post('/api/dlq/replays/preview', {
        selection: { filter: { status: 'quarantined' } },
      });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({
        count: 0,
        scope: expect.stringMatching(/quarantined/) as unknown,
      });
    });
  });
});

describe('access control: rate limits', () => {
  const name = uniqueName('rl');
  let processor: ProcessorProcess | undefined;

  beforeAll(async () => {
    processor = await ProcessorProcess.start(
      pipelineEnv(name, pipelineTopics(name), {
        RATE_LIMIT_PER_IDENTITY_PER_MINUTE: '3',
        RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '7',
      }),
      name,
    );
  }, 120_000);

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  const revoke = async (token: string) =>
    fetch(`${processor!.baseUrl}/api/tokens/999999999/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });

  it('answers 429 with Retry-After per identity, then per address, counts it, and logs each refusal', async () => {
    const alice = await consoleToken('admin', { sub: 'local:alice' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await revoke(alice)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await revoke(alice);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(apiErrorSchema.parse(await limited.json()).message).toMatch(/too many changes from this identity/);
    // Another identity from the same address is still served, until the address's limit.
    const bob = await consoleToken('admin', { sub: 'local:bob' });
    expect((await revoke(bob)).status).toBe(404);
    expect((await revoke(bob)).status).toBe(404);
    const byAddress = await revoke(await consoleToken('admin', { sub: 'local:carol' }));
    expect(byAddress.status).toBe(429);
    expect(apiErrorSchema.parse(await byAddress.json()).message).toMatch(/from this address/);
    // Reads are not limited.
    expect(
      (await fetch(`${processor!.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${alice}` } }))
        .status,
    ).toBe(200);
    const metrics = await (await fetch(`${processor!.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/dedup_http_refusals_total\{reason="rate_limited_identity"\} 2/);
    expect(metrics).toMatch(/dedup_http_refusals_total\{reason="rate_limited_address"\} 1/);
    const rows = await testPool().query<{ result: string; n: number }>(
      `SELECT result, count(*)::int AS n FROM operator_action WHERE pipeline = $1 GROUP BY result ORDER BY result`,
      [name],
    );
    expect(rows.rows).toEqual([
      { result: 'refused', n: 3 },
      { result: 'rejected', n: 5 },
    ]);
  });
});

function resultOf(status: number): string {
  if (status === 401 || status === 403 || status === 429) return 'refused';
  if (status >= 500) return 'failed';
  return status >= 400 ? 'rejected' : 'ok';
}
