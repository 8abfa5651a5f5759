import type { Metadata, Viewport } from 'next';
import { cookies } from 'next/headers';
import type { ReactNode } from 'react';
import { colorSchemeMeta, dataTheme, parseTheme, THEME_COOKIE, type Theme } from '../lib/theme';
import './globals.css';

export const metadata: Metadata = {
  title: 'Dedup operator',
  description: 'Operator console for the Kafka event-dedup pipeline',
};

async function chosenTheme(): Promise<Theme> {
  return parseTheme((await cookies()).get(THEME_COOKIE)?.value);
}

export async function generateViewport(): Promise<Viewport> {
  return { colorScheme: colorSchemeMeta(await chosenTheme()) };
}

/**
 * The document; the signed-in chrome (navigation, who is signed in) is (console)/layout.tsx. The
 * theme the operator chose is rendered here, from its cookie, so the first paint is already in it;
 * without a choice the CSS follows the OS preference.
 */
export default async function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" data-theme={dataTheme(await chosenTheme())}>
      <body>{children}</body>
    </html>
  );
}
