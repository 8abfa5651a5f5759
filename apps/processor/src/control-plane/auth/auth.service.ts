import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import {
  apiTokenPattern,
  API_TOKEN_PREFIX,
  CONSOLE_TOKEN,
  consoleTokenClaimsSchema,
  type Principal,
} from '@dedup/contracts';
import { errors as joseErrors, jwtVerify } from 'jose';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { hashApiToken } from '../tokens/api-token-secret';
import { TokensRepository } from '../tokens/tokens.repository';

/**
 * Who is calling (docs/access-control.md): an API token (`Bearer dpt_…`, looked up by its hash:
 * unknown, revoked and expired tokens are refused, each with its reason), or a console token (a
 * short-lived HS256 JWT the console signs for a signed-in person with CONSOLE_TOKEN_SECRET).
 * Anything else is a 401 whose message says what was wrong, never echoing the credential.
 */
@Injectable()
export class AuthService {
  private readonly consoleKey: Uint8Array | null;
  private readonly log: JsonLogger;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(TokensRepository) private readonly tokens: TokensRepository,
    @Inject(JsonLogger) logger: JsonLogger,
  ) {
    const secret = config.auth.consoleTokenSecret;
    this.consoleKey = secret === null ? null : new TextEncoder().encode(secret);
    this.log = logger.child({ component: 'auth' });
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization.trim() === '') {
      throw new UnauthorizedException(
        'a credential is required: send "Authorization: Bearer <API token or console token>" (docs/api.md)',
      );
    }
    const match = /^Bearer +(\S+)$/i.exec(authorization.trim());
    if (match?.[1] === undefined) {
      throw new UnauthorizedException('the Authorization header must be "Bearer <token>"');
    }
    const credential = match[1];
    if (credential.startsWith(API_TOKEN_PREFIX)) return this.apiToken(credential);
    if (credential.split('.').length === 3) return this.consoleToken(credential);
    throw new UnauthorizedException(
      'unrecognised credential: neither an API token (dpt_…) nor a console token',
    );
  }

  private async apiToken(credential: string): Promise<Principal> {
    if (!apiTokenPattern.test(credential)) throw new UnauthorizedException('malformed API token');
    const token = await this.tokens.findByHash(hashApiToken(credential));
    if (token === null) throw new UnauthorizedException('unknown API token');
    if (token.revokedAt !== null) throw new UnauthorizedException(`API token ${token.id} was revoked`);
    if (Date.parse(token.expiresAt) <= Date.now()) {
      throw new UnauthorizedException(`API token ${token.id} expired at ${token.expiresAt}`);
    }
    this.tokens.touch(token.id).catch((error: unknown) => {
      this.log.write('warn', 'could not record the API token use', { token: token.id, error: String(error) });
    });
    return {
      kind: 'token',
      id: `token:${token.id}`,
      name: token.name,
      role: token.role,
      expiresAt: token.expiresAt,
    };
  }

  private async consoleToken(credential: string): Promise<Principal> {
    if (this.consoleKey === null) {
      throw new UnauthorizedException(
        'this processor accepts no console tokens (CONSOLE_TOKEN_SECRET is not set)',
      );
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(credential, this.consoleKey, {
        algorithms: [CONSOLE_TOKEN.algorithm],
        issuer: CONSOLE_TOKEN.issuer,
        audience: CONSOLE_TOKEN.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: CONSOLE_TOKEN.maxLifetimeSeconds,
      }));
    } catch (error) {
      throw new UnauthorizedException(`console token refused: ${joseReason(error)}`);
    }
    const exp = payload['exp'] as number;
    const iat = payload['iat'] as number;
    if (exp - iat > CONSOLE_TOKEN.maxLifetimeSeconds) {
      throw new UnauthorizedException(
        `console token refused: it lives ${exp - iat} s, more than ${CONSOLE_TOKEN.maxLifetimeSeconds} s`,
      );
    }
    const claims = consoleTokenClaimsSchema.safeParse(payload);
    if (!claims.success)
      throw new UnauthorizedException('console token refused: its claims break the contract');
    return {
      kind: 'user',
      id: claims.data.sub,
      name: claims.data.name,
      role: claims.data.role,
      expiresAt: new Date(exp * 1000).toISOString(),
    };
  }
}

function joseReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'expired';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof joseErrors.JOSEError) return error.code;
  return 'malformed';
}
