import type { Metadata } from 'next';
import Link from 'next/link';
import { CONSOLE_SECTIONS } from '../lib/console-sections';

export const metadata: Metadata = { title: 'Not found · Dedup operator' };

/** Any address the console has no page for (an old bookmark, a mistyped link in a ticket). */
export default function NotFound() {
  return (
    <main id="main" className="shell">
      <section className="panel empty-state" data-testid="not-found">
        <h1 className="title">No page at this address</h1>
        <p>The link may be old or mistyped. The console&rsquo;s sections:</p>
        <ul className="empty-state-list">
          {CONSOLE_SECTIONS.map(({ href, label, what }) => (
            <li key={href}>
              <Link href={href}>{label}</Link> <span className="muted">— {what}</span>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
