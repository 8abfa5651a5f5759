'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Lineage: what failed, and Retry (the navigation stays). */
export default function LineageError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Lineage" reads="the lineage" error={error} retry={retry} />;
}
