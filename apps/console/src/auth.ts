import { roleSchema, type Role } from '@dedup/contracts';
import NextAuth, { CredentialsSignin, type NextAuthConfig, type User } from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { config } from './lib/server/config';
import { consoleMetrics } from './lib/server/console-metrics';
import { currentLocalUser, verifyLocalUser } from './lib/server/local-users';
import { oidcRole } from './lib/server/oidc-roles';
import { signInLimits } from './lib/server/sign-in-limits';

/*
 * Sign-in (Auth.js v5): local users from CONSOLE_USERS_FILE and/or one OIDC provider, sessions as an
 * encrypted JWT cookie (httpOnly, SameSite=Lax, Secure over https; Auth.js's defaults), lasting
 * AUTH_SESSION_MAX_AGE_S. docs/access-control.md; ADR 0008 says why roles live here for people.
 */

/** What the session cookie carries besides Auth.js's own fields. */
const sessionClaimsSchema = z.object({
  /** `local:<username>` or `oidc:<subject>`: the principal id in the processor's action log. */
  uid: z.string().min(1),
  name: z.string().min(1),
  role: roleSchema,
  /** Random per sign-in: keys this session's CSRF token (csrf.ts). */
  sid: z.string().min(1),
});
export type SessionClaims = z.infer<typeof sessionClaimsSchema>;

const credentialsSchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(200),
});

/** `?error=CredentialsSignin&code=…` on the sign-in page: what the person is told. */
export class TooManyAttempts extends CredentialsSignin {
  override code = 'rate_limited';
}
export class NoRole extends CredentialsSignin {
  override code = 'no_role';
}

declare module 'next-auth' {
  interface User {
    uid?: string;
    role?: Role;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth((): NextAuthConfig => {
  const c = config();
  const providers: NextAuthConfig['providers'] = [];
  if (c.usersFile !== null) {
    const usersFile = c.usersFile;
    providers.push(
      Credentials({
        id: 'credentials',
        name: 'Local user',
        credentials: { username: { label: 'User name' }, password: { label: 'Password', type: 'password' } },
        async authorize(raw) {
          const parsed = credentialsSchema.safeParse(raw);
          if (!parsed.success) return null;
          const { username, password } = parsed.data;
          // Attempts per address are limited before this, in proxy.ts.
          if ((await signInLimits().userLocked(username)) !== null) throw new TooManyAttempts();
          const user = await verifyLocalUser(usersFile, username, password);
          if (user === null) {
            await signInLimits().failed(username);
            consoleMetrics().signIn('failed');
            return null;
          }
          consoleMetrics().signIn('ok');
          return { id: user.id, uid: user.id, name: user.name, role: user.role };
        },
      }),
    );
  }
  const oidc = c.oidc;
  if (oidc !== null) {
    providers.push({
      id: 'oidc',
      name: oidc.name,
      type: 'oidc',
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      checks: ['pkce', 'state', 'nonce'],
      authorization: { params: { scope: 'openid profile email' } },
      profile(profile: Record<string, unknown>) {
        const subject = typeof profile['sub'] === 'string' ? profile['sub'] : '';
        const display = [profile['name'], profile['preferred_username'], profile['email'], subject].find(
          (v): v is string => typeof v === 'string' && v !== '',
        );
        const role = oidcRole(profile, oidc);
        return { id: subject, uid: `oidc:${subject}`, name: display ?? subject, ...(role ? { role } : {}) };
      },
    });
  }
  return {
    secret: c.authSecret,
    // The console is reached by whatever host the operator typed or a proxy forwarded; redirects
    // go back to it. Cookies are Secure whenever that URL is https.
    trustHost: true,
    providers,
    pages: { signIn: '/signin', error: '/signin' },
    session: { strategy: 'jwt', maxAge: c.sessionMaxAgeSeconds, updateAge: 15 * 60 },
    callbacks: {
      signIn({ user }) {
        // An OIDC person whose claims map to no role may not sign in.
        if (user.role === undefined) return '/signin?error=AccessDenied&code=no_role';
        return true;
      },
      jwt({ token, user }) {
        // `user` is there only on the request that signs in (Auth.js types it as always there).
        const signingIn = user as User | undefined;
        if (signingIn?.uid !== undefined && signingIn.role !== undefined) {
          const { uid, role } = signingIn;
          return { ...token, uid, name: signingIn.name ?? uid, role, sid: randomUUID() };
        }
        const claims = sessionClaimsSchema.safeParse(token);
        if (!claims.success) return null;
        // A local user removed from the file, or given another role, takes effect at once.
        if (claims.data.uid.startsWith('local:')) {
          if (c.usersFile === null) return null;
          const current = currentLocalUser(c.usersFile, claims.data.uid.slice('local:'.length));
          if (current === null) return null;
          return { ...token, name: current.name, role: current.role };
        }
        return token;
      },
      session({ session, token }) {
        const claims = sessionClaimsSchema.safeParse(token);
        if (claims.success) {
          Object.assign(session, { claims: claims.data });
        }
        return session;
      },
    },
  };
});

/** The signed-in person of this request, or null. */
export async function currentSession(): Promise<SessionClaims | null> {
  const session = await auth();
  const claims = sessionClaimsSchema.safeParse((session as { claims?: unknown } | null)?.claims);
  return claims.success ? claims.data : null;
}
