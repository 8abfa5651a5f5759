import type { ReactNode } from 'react';
import { signOut } from '../../auth';
import { CSRF_META_NAME } from '../../lib/console-fetch';
import { config } from '../../lib/server/config';
import { csrfTokenFor } from '../../lib/server/csrf';
import { requirePageSession } from '../../lib/server/page-session';
import { NavLinks } from '../nav-links';

/** Every page but the sign-in page: signed in, with the navigation and who is signed in. */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const caller = await requirePageSession();
  async function signOutAction(): Promise<void> {
    'use server';
    await signOut({ redirectTo: '/signin?signedOut=1' });
  }
  return (
    <>
      <meta name={CSRF_META_NAME} content={csrfTokenFor(caller.sid, config().authSecret)} />
      <nav className="nav" aria-label="Console sections">
        <span className="nav-brand">Dedup operator</span>
        <NavLinks />
        <div className="nav-user" data-testid="signed-in-as">
          <span>
            {caller.name} <span className={`role-badge role-${caller.role}`}>{caller.role}</span>
          </span>
          <form action={signOutAction}>
            <button type="submit" className="button button-quiet">
              Sign out
            </button>
          </form>
        </div>
      </nav>
      <main className="shell">{children}</main>
    </>
  );
}
