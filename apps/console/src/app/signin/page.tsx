import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { currentSession } from '../../auth';
import { config } from '../../lib/server/config';
import { safeCallbackUrl, signInMessage } from '../../lib/sign-in-messages';
import { parseTheme, THEME_COOKIE } from '../../lib/theme';
import { ThemeToggle } from '../theme-toggle';
import { signInWithOidc } from './actions';
import { PasswordForm } from './password-form';

export const metadata: Metadata = { title: 'Sign in · Dedup operator' };
export const dynamic = 'force-dynamic';

interface SignInPageProps {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

export default async function SignInPage({ searchParams }: SignInPageProps) {
  const query = await searchParams;
  const callbackUrl = safeCallbackUrl(first(query['callbackUrl']));
  if ((await currentSession()) !== null) redirect(callbackUrl);
  const c = config();
  const error = signInMessage(first(query['error']), first(query['code']));
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <main className="signin">
      <h1 className="title">Dedup operator</h1>
      <p className="muted">Sign in to see the pipeline; operators also replay and backfill.</p>
      {first(query['signedOut']) !== null && error === null && (
        <p className="notice" role="status">
          Signed out.
        </p>
      )}
      {error !== null && (
        <p className="form-error" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
      {c.usersFile !== null && <PasswordForm callbackUrl={callbackUrl} />}
      {c.oidc !== null && (
        <form action={signInWithOidc} className="signin-oidc">
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <button type="submit" className="button">
            Sign in with {c.oidc.name}
          </button>
        </form>
      )}
      <div className="signin-theme">
        <ThemeToggle initial={theme} />
      </div>
    </main>
  );
}
