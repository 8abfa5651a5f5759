'use client'; // Error boundaries must be Client Components.

import { useEffect } from 'react';

interface ErrorPageProps {
  /** A server error arrives as an Error with a digest only; a client one may be anything. */
  error: unknown;
  retry: () => void;
}

export default function ErrorPage({ error, retry }: ErrorPageProps) {
  useEffect(() => {
    console.error(error);
  }, [error]);

  const digest = error instanceof Error && 'digest' in error ? String(error.digest) : null;
  return (
    <>
      <h1 className="title">Dedup operator</h1>
      <div className="banner" role="alert">
        <strong>The console hit an unexpected error.</strong>{' '}
        {digest === null ? 'See the browser console.' : `Server log reference: ${digest}.`}
      </div>
      <button type="button" className="button" onClick={retry}>
        Try again
      </button>
    </>
  );
}
