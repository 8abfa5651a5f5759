/*
 * The console's sections, once: the navigation and the not-found page list them from here, so a new
 * page cannot be missing from one of them. Pure (no React): both a client and a server component
 * read it.
 */

export interface ConsoleSection {
  readonly href: string;
  /** The section's name, as its page heading says it. */
  readonly label: string;
  /** A shorter name for the navigation bar, where eight sections share one line; none: `label`. */
  readonly short?: string;
  /** What it is for, in a few words (the not-found page's list). */
  readonly what: string;
}

export const CONSOLE_SECTIONS: readonly ConsoleSection[] = [
  { href: '/', label: 'Overview', what: 'rates by outcome, lag and dead letters over a time range' },
  { href: '/watermarks', label: 'Watermarks', what: 'event time per input partition, and its lag over time' },
  {
    href: '/lateness',
    label: 'Late events',
    short: 'Late',
    what: 'how late records arrive, and what to allow',
  },
  { href: '/exactly-once', label: 'Exactly-once', what: 'transactions, fencing and rebalances' },
  { href: '/backfills', label: 'Backfills', what: 're-running a range of a topic' },
  { href: '/dlq', label: 'Dead letters', short: 'DLQ', what: 'records that failed, by cause' },
  { href: '/lineage', label: 'Lineage', what: 'why an event was dropped' },
  { href: '/activity', label: 'Activity', what: 'who changed what' },
];

/**
 * A navigation link's accessible name when its text is the short name: the full name, with the
 * short one in it when it is not already (a voice-control user says what they see: "click DLQ").
 * Undefined when the text is the full name.
 */
export function navAccessibleName(section: Pick<ConsoleSection, 'label' | 'short'>): string | undefined {
  const { label, short } = section;
  if (short === undefined) return undefined;
  return label.toLowerCase().includes(short.toLowerCase()) ? label : `${label} (${short})`;
}

/** Whether `pathname` is in the section: `/` only for itself, the others with their subpaths. */
export function isCurrentSection(href: string, pathname: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}
