'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Late events: what failed, and Retry (the navigation stays). */
export default function LatenessError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Late events" reads="the lateness figures" error={error} retry={retry} />;
}
