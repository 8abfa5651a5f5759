import { NextRequest } from 'next/server';
import { handlers } from '../../../../auth';

// Auth.js's own routes: sign-in callbacks (credentials, OIDC), sign-out, session, CSRF.
// Next gives a route handler the address it listens on as the request's origin, never the host the
// browser or a proxy asked for; Auth.js's server actions (signIn on the sign-in page) build theirs
// from X-Forwarded-Host/-Proto, which Next fills from Host when no proxy did. The OIDC redirect_uri
// of the token request must equal the authorization request's (RFC 6749 §4.1.3), so the callback is
// handed the origin the browser used, as the server action was (next-auth#10928).
function withRequestedOrigin(req: NextRequest): NextRequest {
  const host = req.headers.get('x-forwarded-host');
  const proto = req.headers.get('x-forwarded-proto');
  if (host === null || proto === null) return req;
  const { href, origin } = req.nextUrl;
  return new NextRequest(href.replace(origin, `${proto}://${host}`), req);
}

export const GET = (req: NextRequest) => handlers.GET(withRequestedOrigin(req));
export const POST = (req: NextRequest) => handlers.POST(withRequestedOrigin(req));
