import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * CSRF defence of the console's mutating routes (docs/access-control.md), in two independent layers:
 * the request must come from the console's own origin (Origin header, and Sec-Fetch-Site where the
 * browser sends it), and carry this session's CSRF token, an HMAC of the session's random id that
 * only a page of the console renders (a cross-site page can neither read it nor guess it). The
 * session cookie is SameSite=Lax besides, but other ports of the same host are the same site.
 * Server-only.
 */

export function csrfTokenFor(sessionId: string, secret: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

export function csrfTokenValid(presented: string | null, sessionId: string, secret: string): boolean {
  if (presented === null) return false;
  const expected = Buffer.from(csrfTokenFor(sessionId, secret));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Why a mutating request is not from the console's own pages, or null when it is. The console's
 * host is the one the request was sent to (a proxy's X-Forwarded-Host when there is one).
 */
export function crossSiteReason(headers: Headers): string | null {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return `a ${site} request`;
  const origin = headers.get('origin');
  if (origin === null) return 'a request without an Origin header';
  const host = headers.get('x-forwarded-host') ?? headers.get('host');
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return `a request from origin "${origin}"`;
  }
  return originHost === host ? null : `a request from ${origin}`;
}
