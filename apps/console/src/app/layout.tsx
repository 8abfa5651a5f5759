import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Dedup operator',
  description: 'Operator console for the Kafka event-dedup pipeline',
};

export const viewport: Viewport = {
  colorScheme: 'dark light',
};

/** The document; the signed-in chrome (navigation, who is signed in) is (console)/layout.tsx. */
export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
