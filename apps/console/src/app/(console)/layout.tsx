import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { signOut } from '../../auth';
import { CSRF_META_NAME } from '../../lib/console-fetch';
import { config } from '../../lib/server/config';
import { csrfTokenFor } from '../../lib/server/csrf';
import { requirePageSession } from '../../lib/server/page-session';
import { parseTheme, THEME_COOKIE } from '../../lib/theme';
import { NavLinks } from '../nav-links';
import { ThemeToggle } from '../theme-toggle';

/** The target of the skip link: every page's content. */
const MAIN_ID = 'main';

/**
 * Every page but the sign-in page: signed in, with the navigation and who is signed in. The first
 * Tab stop is "Skip to content", past the navigation to the page's own content.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const caller = await requirePageSession();
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  async function signOutAction(): Promise<void> {
    'use server';
    await signOut({ redirectTo: '/signin?signedOut=1' });
  }
  return (
    <>
      <a href={`#${MAIN_ID}`} className="skip-link">
        Skip to content
      </a>
      <meta name={CSRF_META_NAME} content={csrfTokenFor(caller.sid, config().authSecret)} />
      <nav className="nav" aria-label="Console sections">
        <span className="nav-brand">Dedup operator</span>
        <NavLinks />
        <div className="nav-user">
          <ThemeToggle initial={theme} />
          <span data-testid="signed-in-as">
            {caller.name} <span className={`role-badge role-${caller.role}`}>{caller.role}</span>
          </span>
          <form action={signOutAction}>
            <button type="submit" className="button button-quiet">
              Sign out
            </button>
          </form>
        </div>
      </nav>
      {/* Focusable (not in the Tab order) so the skip link moves focus, not only the scroll. */}
      <main id={MAIN_ID} className="shell" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
