import type { Metadata } from 'next';
import Link from 'next/link';

export const metadata: Metadata = { title: 'Not found · Dedup operator' };

const SECTIONS = [
  { href: '/', label: 'Overview', what: 'outcome counts and the DLQ at a glance' },
  { href: '/watermarks', label: 'Watermarks', what: 'event time per input partition' },
  { href: '/dlq', label: 'Dead letters', what: 'records that failed, by cause' },
  { href: '/lineage', label: 'Lineage', what: 'why an event was dropped' },
  { href: '/backfills', label: 'Backfills', what: 're-running a range of a topic' },
  { href: '/activity', label: 'Activity', what: 'who changed what' },
] as const;

/** Any address the console has no page for (an old bookmark, a mistyped link in a ticket). */
export default function NotFound() {
  return (
    <main id="main" className="shell">
      <section className="panel empty-state" data-testid="not-found">
        <h1 className="title">No page at this address</h1>
        <p>The link may be old or mistyped. The console&rsquo;s sections:</p>
        <ul className="empty-state-list">
          {SECTIONS.map(({ href, label, what }) => (
            <li key={href}>
              <Link href={href}>{label}</Link> <span className="muted">— {what}</span>
            </li>
          ))}
        </ul>
      </section>
    </main>
  );
}
