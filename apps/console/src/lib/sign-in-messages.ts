/*
 * What the sign-in page tells a person whose sign-in failed; the same words whether the name or the
 * password was wrong (no hint which one). Shared by the page and its server action.
 */

export function signInMessage(error: string | null, code: string | null): string | null {
  if (error === null) return null;
  if (code === 'rate_limited') {
    return 'Too many failed sign-ins for this user. Wait a few minutes, then try again.';
  }
  if (code === 'no_role') {
    return 'Your account has no role in this console. Ask an admin to map one of your groups to a role.';
  }
  switch (error) {
    case 'CredentialsSignin':
      return 'Wrong user name or password.';
    case 'AccessDenied':
      return 'Access denied.';
    case 'Configuration':
      return 'Sign-in is misconfigured on the server; see the console log.';
    default:
      return 'Sign-in failed. Try again.';
  }
}

/** Only a path of this console: never another site (an open redirect) and never the sign-in page itself. */
export function safeCallbackUrl(raw: FormDataEntryValue | string | null | undefined): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\'))
    return '/';
  if (raw.startsWith('/signin') || raw.startsWith('/api/')) return '/';
  return raw;
}
