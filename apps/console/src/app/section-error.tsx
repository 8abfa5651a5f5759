'use client';

import Link from 'next/link';
import { useEffect, useTransition } from 'react';
import { describeCaughtError } from '../lib/page-errors';

export interface SectionErrorProps {
  /** The page's heading, kept so the operator knows where they are: "Dead letters". */
  section: string;
  /** What the page reads, for "Could not read …": "the dead-letter records". */
  reads: string;
  error: unknown;
  /** Next's `retry`: asks the server for the segment again and renders it if that works. */
  retry: () => void;
}

/**
 * The body of every segment's error boundary: what failed (the processor not answering, in its
 * words, or a console bug with the server log's reference), what to check, and Retry. The
 * navigation stays above it, so the other sections are one click away.
 */
export function SectionError({ section, reads, error, retry }: SectionErrorProps) {
  const [retrying, startRetry] = useTransition();
  useEffect(() => {
    console.error(error);
  }, [error]);

  const caught = describeCaughtError(error);
  return (
    <section className="error-panel" data-testid="section-error" aria-labelledby="section-error-title">
      <h1 className="title">{section}</h1>
      <div className="banner" role="alert">
        {caught.kind === 'processor-unavailable' ? (
          <>
            <strong id="section-error-title">Could not read {reads}: the processor did not answer.</strong>{' '}
            <span data-testid="section-error-message">{caught.message}.</span>
          </>
        ) : (
          <>
            <strong id="section-error-title">This page failed in the console itself.</strong>{' '}
            {caught.message !== null && <span data-testid="section-error-message">{caught.message}. </span>}
            {caught.reference !== null && (
              <>
                Server log reference: <span className="error-reference">{caught.reference}</span>.
              </>
            )}
          </>
        )}
      </div>
      {caught.kind === 'processor-unavailable' ? (
        <ul className="error-steps">
          <li>Retry: the processor may be restarting (a deploy, a rebalance) and back in a few seconds.</li>
          <li>
            If it stays down, the pipeline itself is likely stopped too: see the processor&rsquo;s logs and
            the runbook docs/runbooks/dedup-processor-down.md. The <Link href="/watermarks">Watermarks</Link>{' '}
            page keeps retrying on its own.
          </li>
        </ul>
      ) : (
        <p className="muted">
          Retry once; if it fails again, report it with the reference above. Other sections are in the
          navigation.
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={retrying}
          onClick={() => startRetry(retry)}
        >
          {retrying ? 'Retrying…' : 'Retry'}
        </button>
      </div>
    </section>
  );
}
