import { UnauthorizedException } from '@nestjs/common';
import type { ApiToken } from '@dedup/contracts';
import { SignJWT } from 'jose';
import { loadConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { hashApiToken, newApiTokenSecret } from '../tokens/api-token-secret';
import type { TokensRepository } from '../tokens/tokens.repository';
import { AuthService } from './auth.service';

const SECRET = 'unit-test-console-secret-0123456789abcdef';

/** A TokensRepository stand-in: the unit tier's only fake; the real one is in the system tests. */
function fakeTokens(tokens: Map<string, ApiToken>): TokensRepository {
  return {
    findByHash: (hash: Buffer) => Promise.resolve(tokens.get(hash.toString('hex')) ?? null),
    touch: () => Promise.resolve(),
  } as unknown as TokensRepository;
}

const logger = new JsonLogger('error', {});
const token = (over: Partial<ApiToken> = {}): ApiToken => ({
  id: '4',
  name: 'ci',
  role: 'operator',
  prefix: 'dpt_abcdef',
  createdBy: null,
  createdAt: new Date().toISOString(),
  expiresAt: new Date(Date.now() + 60_000).toISOString(),
  revokedAt: null,
  lastUsedAt: null,
  ...over,
});

async function jwt(
  claims: Record<string, unknown>,
  options: { secret?: string; lifetime?: number; alg?: string; iss?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(options.iss ?? 'dedup-console')
    .setAudience('dedup-processor')
    .setSubject('local:alice')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.lifetime ?? 60))
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

describe('AuthService', () => {
  const secret = newApiTokenSecret();
  const tokens = new Map<string, ApiToken>([[hashApiToken(secret).toString('hex'), token()]]);
  const auth = new AuthService(loadConfig({ CONSOLE_TOKEN_SECRET: SECRET }), fakeTokens(tokens), logger);
  const refusal = async (header: string | undefined) => {
    try {
      await auth.authenticate(header);
    } catch (error) {
      expect(error).toBeInstanceOf(UnauthorizedException);
      return (error as UnauthorizedException).message;
    }
    throw new Error('accepted');
  };

  it('accepts a live API token and a console token, as their principals', async () => {
    await expect(auth.authenticate(`Bearer ${secret}`)).resolves.toMatchObject({
      kind: 'token',
      id: 'token:4',
      role: 'operator',
    });
    await expect(
      auth.authenticate(`Bearer ${await jwt({ name: 'Alice', role: 'admin' })}`),
    ).resolves.toMatchObject({ kind: 'user', id: 'local:alice', name: 'Alice', role: 'admin' });
  });

  it('says why it refuses', async () => {
    expect(await refusal(undefined)).toMatch(/a credential is required/);
    expect(await refusal('Basic abc')).toMatch(/must be "Bearer <token>"/);
    expect(await refusal('Bearer nonsense')).toMatch(/unrecognised credential/);
    expect(await refusal(`Bearer dpt_short`)).toBe('malformed API token');
    expect(await refusal(`Bearer ${newApiTokenSecret()}`)).toBe('unknown API token');
    expect(
      await refusal(`Bearer ${await jwt({ name: 'A', role: 'admin' }, { secret: 'x'.repeat(40) })}`),
    ).toBe('console token refused: bad signature');
    expect(await refusal(`Bearer ${await jwt({ name: 'A', role: 'admin' }, { lifetime: -5 })}`)).toMatch(
      /console token refused: (expired|claim exp)/,
    );
    expect(await refusal(`Bearer ${await jwt({ name: 'A', role: 'admin' }, { iss: 'evil' })}`)).toMatch(
      /claim iss/,
    );
    expect(await refusal(`Bearer ${await jwt({ name: 'A', role: 'admin' }, { lifetime: 3_600 })}`)).toMatch(
      /more than 300 s/,
    );
    expect(await refusal(`Bearer ${await jwt({ name: 'A', role: 'root' })}`)).toMatch(
      /claims break the contract/,
    );
    expect(await refusal(`Bearer ${await jwt({ name: 'A', role: 'admin' }, { alg: 'HS512' })}`)).toMatch(
      /algorithm not allowed/,
    );
  });

  it('refuses revoked and expired tokens, naming them', async () => {
    const revoked = newApiTokenSecret();
    const expired = newApiTokenSecret();
    tokens.set(
      hashApiToken(revoked).toString('hex'),
      token({ id: '5', revokedAt: new Date().toISOString() }),
    );
    tokens.set(
      hashApiToken(expired).toString('hex'),
      token({ id: '6', expiresAt: new Date(Date.now() - 1).toISOString() }),
    );
    expect(await refusal(`Bearer ${revoked}`)).toBe('API token 5 was revoked');
    expect(await refusal(`Bearer ${expired}`)).toMatch(/^API token 6 expired at /);
  });

  it('accepts no console token without a secret', async () => {
    const apiOnly = new AuthService(loadConfig({}), fakeTokens(tokens), logger);
    await expect(apiOnly.authenticate(`Bearer ${await jwt({ name: 'A', role: 'admin' })}`)).rejects.toThrow(
      /accepts no console tokens/,
    );
  });
});
