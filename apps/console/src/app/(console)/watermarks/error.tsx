'use client'; // Error boundaries must be Client Components.

import { SectionError } from '../../section-error';

/** Watermarks: what failed, and Retry (the navigation stays). */
export default function WatermarksError({ error, retry }: { error: unknown; retry: () => void }) {
  return <SectionError section="Watermarks" reads="the watermarks" error={error} retry={retry} />;
}
