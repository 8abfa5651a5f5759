import { roleAllows, type Role } from '@dedup/contracts';
import { redirect } from 'next/navigation';
import { currentSession, type SessionClaims } from '../../auth';

/*
 * For server components: the signed-in person, or a redirect to the sign-in page. Every page calls
 * it, not only the layout: a layout is not re-rendered on client-side navigation. Server-only.
 */

export async function requirePageSession(): Promise<SessionClaims> {
  const caller = await currentSession();
  if (caller === null) redirect('/signin');
  return caller;
}

/** Whether the signed-in person may use controls that need `role` (the server checks again). */
export function can(caller: SessionClaims, role: Role): boolean {
  return roleAllows(caller.role, role);
}
