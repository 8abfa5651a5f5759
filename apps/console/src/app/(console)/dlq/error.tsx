'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Dead letters: what failed, and Retry (the navigation stays). */
export default function DeadLettersError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Dead letters" reads="the dead-letter records" error={error} retry={retry} />;
}
