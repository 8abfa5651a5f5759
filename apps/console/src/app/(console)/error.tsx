'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../section-error';

/** The overview and the sections without a boundary of their own. */
export default function DedupOperatorError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Dedup operator" reads="the pipeline’s figures" error={error} retry={retry} />;
}
