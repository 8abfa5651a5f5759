'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { CONSOLE_SECTIONS, isCurrentSection, navAccessibleName } from '../lib/console-sections';

/**
 * The console's sections; the current one is marked for screen readers and by style. Two show a
 * short name so that the bar stays on one line on a laptop; their accessible name and tooltip are
 * the full one.
 */
export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul className="nav-links">
      {CONSOLE_SECTIONS.map((section) => (
        <li key={section.href}>
          <Link
            href={section.href}
            className="nav-link"
            aria-current={isCurrentSection(section.href, pathname) ? 'page' : undefined}
            aria-label={navAccessibleName(section)}
            title={section.short === undefined ? undefined : section.label}
          >
            {section.short ?? section.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}
