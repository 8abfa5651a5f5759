import { NextResponse, type NextRequest } from 'next/server';
import { signInLimits } from './lib/server/sign-in-limits';

/*
 * Sign-in attempts per client address: the password form's server action (POST /signin) and Auth.js's
 * credentials callback (what a script would call) both answer 429 with Retry-After over the limit,
 * before any password is compared. Failed attempts per user name are limited in auth.ts.
 */

export async function proxy(request: NextRequest): Promise<NextResponse> {
  if (request.method !== 'POST') return NextResponse.next();
  const address = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || 'unknown';
  const limited = await signInLimits().attempt(address);
  if (limited === null) return NextResponse.next();
  return NextResponse.json(
    { error: limited.message, code: 'rate-limited' },
    {
      status: 429,
      headers: { 'retry-after': String(limited.retryAfterSeconds), 'cache-control': 'no-store' },
    },
  );
}

export const config = {
  matcher: ['/signin', '/api/auth/callback/credentials', '/api/auth/signin/:path*'],
};
