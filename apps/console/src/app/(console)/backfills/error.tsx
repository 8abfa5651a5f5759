'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Backfills: what failed, and Retry (the navigation stays). */
export default function BackfillsError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Backfills" reads="the backfill jobs" error={error} retry={retry} />;
}
