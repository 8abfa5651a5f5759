'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Activity: what failed, and Retry (the navigation stays). */
export default function ActivityError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Activity" reads="the operator action log" error={error} retry={retry} />;
}
