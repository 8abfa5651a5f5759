import { CONSOLE_TOKEN, type Role } from '@dedup/contracts';
import { SignJWT } from 'jose';

/**
 * Credentials for tests on the real processor. Every ProcessorProcess (and the console a test starts)
 * gets this CONSOLE_TOKEN_SECRET, so a test can act as a signed-in person of any role by signing the
 * token the console would sign (docs/access-control.md).
 */
export const TEST_CONSOLE_TOKEN_SECRET = 'test-console-token-secret-0123456789abcdef';

export interface ConsoleTokenOptions {
  readonly sub?: string;
  readonly name?: string;
  /** Seconds from now (negative: already expired). */
  readonly expiresInSeconds?: number;
  readonly secret?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** The token the console would send for a signed-in person with `role`. */
export async function consoleToken(role: Role, options: ConsoleTokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: options.name ?? `test ${role}`, role })
    .setProtectedHeader({ alg: CONSOLE_TOKEN.algorithm })
    .setSubject(options.sub ?? `local:test-${role}`)
    .setIssuer(options.issuer ?? CONSOLE_TOKEN.issuer)
    .setAudience(options.audience ?? CONSOLE_TOKEN.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 60))
    .sign(new TextEncoder().encode(options.secret ?? TEST_CONSOLE_TOKEN_SECRET));
}

/** `{ authorization: 'Bearer …' }` for a signed-in person with `role`. */
export async function asRole(role: Role, options?: ConsoleTokenOptions): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await consoleToken(role, options)}` };
}
