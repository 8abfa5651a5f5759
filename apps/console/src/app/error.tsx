'use client'; // Error boundaries must be Client Components.

import { SectionError } from './section-error';

/**
 * Errors above the sections' own boundaries: the signed-in layout (the session, the configuration)
 * and the sign-in page. Rendered without the navigation, which is what failed.
 */
export default function RootError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <main className="shell">
      <SectionError section="Dedup operator" reads="the page" error={error} retry={retry} />
    </main>
  );
}
