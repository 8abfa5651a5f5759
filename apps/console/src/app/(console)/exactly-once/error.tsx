'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Exactly-once: what failed, and Retry (the navigation stays). */
export default function ExactlyOnceError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Exactly-once" reads="the exactly-once health" error={error} retry={retry} />;
}
