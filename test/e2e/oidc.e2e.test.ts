import { generateKeyPairSync } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';
import { freePort, ProcessorProcess } from '../support/processor-process';
import { realStack, uniqueName } from '../support/real-stack';

/**
 * OIDC sign-in with role mapping (docs/access-control.md), in real Chromium against the console's
 * production build, a real processor and a real OpenID provider: panva's `oidc-provider` (OpenID
 * Certified), run in this process with its development login and consent pages. A person whose
 * `groups` map to a role lands on the overview with that role and may call the console's API; one
 * whose groups map to none is sent back to the sign-in page, told why, and has no session.
 */

/**
 * The part of oidc-provider used here. The package ships no type declarations (@types/oidc-provider
 * trails its releases), so that surface is typed here and checked by running it.
 */
interface OidcAccount {
  accountId: string;
  claims(): Promise<Record<string, unknown>>;
}
interface OidcProviderConfiguration {
  clients: Record<string, unknown>[];
  findAccount(ctx: unknown, id: string): Promise<OidcAccount | undefined>;
  claims: Record<string, string[]>;
  conformIdTokenClaims: boolean;
  pkce: { required(): boolean };
  cookies: { keys: string[] };
  jwks: { keys: Record<string, unknown>[] };
  ttl: Record<string, number>;
  features: { devInteractions: { enabled: boolean } };
}
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(
    event: 'authorization.error' | 'grant.error' | 'server_error',
    listener: (ctx: unknown, error: Error & { error_detail?: string }) => void,
  ): void;
}
type OidcProviderClass = new (issuer: string, configuration: OidcProviderConfiguration) => OidcProvider;

/** oidc-provider is ESM only (loaded by require(esm)); the name is a `string` so tsc looks for no types. */
async function loadOidcProvider(): Promise<OidcProviderClass> {
  const moduleName: string = 'oidc-provider';
  return ((await import(moduleName)) as { default: OidcProviderClass }).default;
}

const IDP_NAME = 'Test IdP';
const CLIENT_ID = 'dedup-console';
const CLIENT_SECRET = 'dedup-console-secret-for-tests';

/** The people the identity provider knows; its development login page takes any password. */
const PEOPLE: Readonly<Record<string, { name: string; email: string; groups: string[] }>> = {
  alice: { name: 'Alice Oncall', email: 'alice@example.test', groups: ['sre'] },
  mallory: { name: 'Mallory Marketing', email: 'mallory@example.test', groups: ['marketing'] },
};

/** What the provider refused (an authorization or token request), to say why a sign-in failed. */
const providerErrors: string[] = [];

/** An OpenID provider on `port` of 127.0.0.1 with one confidential client: the console. */
async function startIdentityProvider(port: number, consoleOrigins: readonly string[]): Promise<Server> {
  const Provider = await loadOidcProvider();
  // A fresh signing key per run, not the development key the package publishes.
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  // oidc-provider takes an http:// issuer as it is (only cookies' Secure flag follows the scheme),
  // and Auth.js allows an http:// issuer for discovery, token and userinfo requests.
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: consoleOrigins.map((origin) => `${origin}/api/auth/callback/oidc`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        // What Auth.js uses when the provider config names no method: an Authorization: Basic header.
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    findAccount(_ctx, id) {
      const person = PEOPLE[id];
      if (person === undefined) return Promise.resolve(undefined);
      return Promise.resolve({ accountId: id, claims: () => Promise.resolve({ sub: id, ...person }) });
    },
    // `groups` is no standard claim and is released only when a granted scope lists it. The console
    // asks for `openid profile email`, so `profile` carries it, as an IdP's group mapper would.
    claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email', 'email_verified'] },
    // Auth.js reads an OIDC person's claims from the ID token alone (it calls the userinfo endpoint
    // only when the provider config says `idToken: false`). OIDC Core §5.4 puts claims asked for by
    // scope in userinfo once an access token is issued, oidc-provider's default; with false they
    // are in the ID token too, as with Keycloak's "Add to ID token", Okta's groups claim or Entra ID.
    conformIdTokenClaims: false,
    // PKCE on every authorization request, even from this confidential client; Auth.js sends S256.
    pkce: { required: () => true },
    cookies: { keys: ['oidc-e2e-cookie-signing-key'] },
    jwks: { keys: [{ ...signingKey, kid: 'e2e-signing-key', alg: 'RS256', use: 'sig' }] },
    // Seconds; set so the package does not log a notice for each default it falls back on.
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    // The package's own login form (any password) and consent form.
    features: { devInteractions: { enabled: true } },
  });
  for (const event of ['authorization.error', 'grant.error', 'server_error'] as const) {
    provider.on(event, (_ctx, error) => {
      providerErrors.push(`${event}: ${error.message} (${error.error_detail ?? 'no detail'})`);
    });
  }
  const server = createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

describe('OIDC sign-in with role mapping in Chromium', () => {
  const name = uniqueName('e2e-oidc');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let identityProvider: Server | undefined;
  let browser: Browser | undefined;
  let issuer = '';
  let consoleOrigin = '';
  /** A reverse proxy in front of the console (X-Forwarded-Host/-Proto), as in production. */
  let reverseProxy: Server | undefined;
  let proxiedOrigin = '';

  beforeAll(async () => {
    await createPipelineTopics(topics);
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    // The console reads the issuer's discovery document only when someone signs in, so the
    // provider's port is chosen first and the provider (which must know the console's callback URL)
    // starts after the console.
    const idpPort = await freePort();
    issuer = `http://127.0.0.1:${idpPort}`;
    consoleServer = await ConsoleServer.start(processor.baseUrl, name, {
      AUTH_OIDC_ISSUER: issuer,
      AUTH_OIDC_CLIENT_ID: CLIENT_ID,
      AUTH_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      AUTH_OIDC_NAME: IDP_NAME,
      AUTH_OIDC_ROLE_CLAIM: 'groups',
      AUTH_OIDC_ROLE_MAP: 'sre=operator,eng=viewer',
    });
    // The browser reaches the console by a host name, as people do. By a loopback IP it could not
    // sign in through OIDC: Next hands Auth.js's callback route a loopback IP rewritten to
    // `localhost` (NextURL) while the sign-in page's server action keeps the host as typed, so the
    // two redirect_uris differ and the provider rightly refuses the code (RFC 6749 §4.1.3).
    const url = new URL(consoleServer.baseUrl);
    url.hostname = 'localhost';
    consoleOrigin = url.origin;
    const upstream = new URL(consoleServer.baseUrl);
    reverseProxy = createServer((req, res) => {
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: {
            ...req.headers,
            host: upstream.host,
            'x-forwarded-host': req.headers.host,
            'x-forwarded-proto': 'http',
          },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(forwarded);
    });
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => reverseProxy!.listen(proxyPort, '127.0.0.1', resolve));
    proxiedOrigin = `http://localhost:${proxyPort}`;
    identityProvider = await startIdentityProvider(idpPort, [consoleOrigin, proxiedOrigin]);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    identityProvider?.closeAllConnections();
    identityProvider?.close();
    reverseProxy?.closeAllConnections();
    reverseProxy?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  afterEach(() => {
    // Says why when a sign-in did not come back (e.g. `invalid_grant (... redirect_uri mismatch)`).
    expect(providerErrors.splice(0)).toEqual([]);
  });

  /** From the console's sign-in page through the provider's login and consent pages, as `login`. */
  const signInAtProvider = async (
    login: string,
    origin = consoleOrigin,
  ): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/signin`);
    await page.getByRole('button', { name: `Sign in with ${IDP_NAME}` }).click();
    await page.waitForURL((u) => u.origin === issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password works here');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    // The consent page lists the scopes the console asked for; `profile` carries `groups`.
    const consent = page.getByRole('button', { name: 'Continue' });
    await consent.waitFor();
    await expect(page.locator('li', { hasText: /^profile$/ }).count()).resolves.toBe(1);
    await consent.click();
    return { context, page };
  };

  it('signs in a person whose group maps to a role, with that role, and the console API answers them', async () => {
    const { context, page } = await signInAtProvider('alice');
    const signedInAs = page.getByTestId('signed-in-as').filter({ hasText: PEOPLE['alice']!.name });
    await signedInAs.waitFor();
    expect(new URL(page.url()).origin).toBe(consoleOrigin);
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(signedInAs.textContent()).resolves.toContain('operator');
    await expect(page.evaluate(async () => (await fetch('/api/backfills')).status)).resolves.toBe(200);
    await page.screenshot({ path: path.join(realStack().runDir, 'oidc-signed-in.png') });
    await context.close();
  });

  it('refuses a person whose groups map to no role: the sign-in page says why and there is no session', async () => {
    const { context, page } = await signInAtProvider('mallory');
    await page
      .getByTestId('signin-error')
      .filter({ hasText: 'Your account has no role in this console.' })
      .waitFor();
    expect(new URL(page.url()).origin).toBe(consoleOrigin);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await expect(page.getByTestId('signed-in-as').count()).resolves.toBe(0);
    await expect(page.evaluate(async () => (await fetch('/api/backfills')).status)).resolves.toBe(401);
    const cookies = await context.cookies(consoleOrigin);
    expect(cookies.map((c) => c.name).filter((n) => n.includes('session-token'))).toEqual([]);
    await page.screenshot({ path: path.join(realStack().runDir, 'oidc-no-role.png') });
    await context.close();
  });

  it('signs in behind a reverse proxy: the callback uses the host the browser asked for', async () => {
    const { context, page } = await signInAtProvider('alice', proxiedOrigin);
    await page.getByTestId('signed-in-as').filter({ hasText: PEOPLE['alice']!.name }).waitFor();
    expect(new URL(page.url()).origin).toBe(proxiedOrigin);
    await expect(page.evaluate(async () => (await fetch('/api/backfills')).status)).resolves.toBe(200);
    await context.close();
  });
});
