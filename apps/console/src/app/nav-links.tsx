'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const SECTIONS = [
  { href: '/', label: 'Overview' },
  { href: '/watermarks', label: 'Watermarks' },
  { href: '/lateness', label: 'Late events' },
  { href: '/exactly-once', label: 'Exactly-once' },
  { href: '/backfills', label: 'Backfills' },
  { href: '/dlq', label: 'Dead letters' },
  { href: '/lineage', label: 'Lineage' },
  { href: '/activity', label: 'Activity' },
] as const;

/** The console's sections; the current one is marked for screen readers and by style. */
export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="nav-links">
      {SECTIONS.map(({ href, label }) => {
        const current = href === '/' ? pathname === '/' : pathname.startsWith(href);
        return (
          <li key={href}>
            <Link href={href} className="nav-link" aria-current={current ? 'page' : undefined}>
              {label}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
