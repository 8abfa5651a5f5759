'use client'; // Error boundaries must be Client Components.

import { useEffect } from 'react';
import { dataTheme, parseTheme, THEME_COOKIE } from '../lib/theme';
import { SectionError } from './section-error';
import './globals.css';

/**
 * The last resort, when the root layout itself failed: it replaces the whole document, so it brings
 * its own <html>, the styles and the operator's theme (read from the cookie in the browser: this
 * document is not the root layout's).
 */
export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    const chosen = document.cookie
      .split('; ')
      .find((c) => c.startsWith(`${THEME_COOKIE}=`))
      ?.slice(THEME_COOKIE.length + 1);
    const attribute = dataTheme(parseTheme(chosen));
    if (attribute !== undefined) document.documentElement.dataset['theme'] = attribute;
  }, []);
  return (
    <html lang="en">
      <body>
        <title>Error · Dedup operator</title>
        <main className="shell">
          <SectionError section="Dedup operator" reads="the page" error={error} retry={retry} />
        </main>
      </body>
    </html>
  );
}
