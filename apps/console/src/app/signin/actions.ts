'use server';

import { AuthError, CredentialsSignin } from 'next-auth';
import { signIn } from '../../auth';
import { safeCallbackUrl, signInMessage } from '../../lib/sign-in-messages';

export interface SignInState {
  readonly error: string | null;
}

/** The sign-in form: Auth.js checks the password (auth.ts) and sets the session cookie, or says why not. */
export async function signInWithPassword(formData: FormData): Promise<SignInState> {
  const callbackUrl = safeCallbackUrl(formData.get('callbackUrl'));
  try {
    await signIn('credentials', {
      username: text(formData.get('username')),
      password: text(formData.get('password')),
      redirectTo: callbackUrl,
    });
    return { error: null };
  } catch (error) {
    // Success is a redirect, thrown by Next: let it through.
    if (!(error instanceof AuthError)) throw error;
    return {
      error: signInMessage('CredentialsSignin', error instanceof CredentialsSignin ? error.code : null),
    };
  }
}

/** A form field as text; a file upload where text belongs is empty. */
function text(value: FormDataEntryValue | null): string {
  return typeof value === 'string' ? value : '';
}

/** Starts the OIDC flow (a redirect to the identity provider). */
export async function signInWithOidc(formData: FormData): Promise<void> {
  await signIn('oidc', { redirectTo: safeCallbackUrl(formData.get('callbackUrl')) });
}
