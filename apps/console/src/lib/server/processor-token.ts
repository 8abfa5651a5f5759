import { CONSOLE_TOKEN, type ConsoleTokenClaims } from '@dedup/contracts';
import { SignJWT } from 'jose';

/*
 * The console token: what the console sends the processor for each call it makes for a signed-in
 * person (ADR 0008): HS256 over the shared CONSOLE_TOKEN_SECRET, naming who and with which role,
 * valid for a minute. It is signed per call and never reaches the browser. Server-only.
 */

/** Well under the processor's cap (CONSOLE_TOKEN.maxLifetimeSeconds) and any call's timeout. */
export const CONSOLE_TOKEN_LIFETIME_SECONDS = 60;

export async function signConsoleToken(claims: ConsoleTokenClaims, secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: claims.name, role: claims.role })
    .setProtectedHeader({ alg: CONSOLE_TOKEN.algorithm, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(CONSOLE_TOKEN.issuer)
    .setAudience(CONSOLE_TOKEN.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + CONSOLE_TOKEN_LIFETIME_SECONDS)
    .sign(new TextEncoder().encode(secret));
}
