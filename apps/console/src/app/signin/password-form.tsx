'use client';

import { useState, type SyntheticEvent } from 'react';
import { signInWithPassword } from './actions';

/** User name and password, checked on the server by a server action (Auth.js's credentials provider). */
export function PasswordForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: SyntheticEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      // On success the action redirects and this page goes away.
      const result = await signInWithPassword(new FormData(event.currentTarget));
      setError(result.error);
    } catch {
      // The proxy answers 429 to too many attempts from one address; anything else is the server's.
      setError('Too many sign-in attempts, or the console is unreachable. Wait a minute, then try again.');
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="signin-form" onSubmit={(e) => void submit(e)} aria-label="Sign in with a local user">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <label className="field">
        <span className="field-label">User name</span>
        <input
          className="input"
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          autoFocus
          maxLength={64}
        />
      </label>
      <label className="field">
        <span className="field-label">Password</span>
        <input
          className="input"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          maxLength={200}
        />
      </label>
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
      {error !== null && (
        <p className="form-error" role="alert" data-testid="signin-error">
          {error}
        </p>
      )}
    </form>
  );
}
