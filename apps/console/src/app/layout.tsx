import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';
import { NavLinks } from './nav-links';

export const metadata: Metadata = {
  title: 'Dedup operator',
  description: 'Operator console for the Kafka event-dedup pipeline',
};

export const viewport: Viewport = {
  colorScheme: 'dark light',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <nav className="nav" aria-label="Console sections">
          <span className="nav-brand">Dedup operator</span>
          <NavLinks />
        </nav>
        <main className="shell">{children}</main>
      </body>
    </html>
  );
}
