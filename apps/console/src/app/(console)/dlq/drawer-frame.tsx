'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, type ReactNode } from 'react';

interface DrawerFrameProps {
  /** The record shown: a new one (another row clicked) takes focus again. */
  id: string;
  closeHref: string;
  children: ReactNode;
}

const FOCUSABLE =
  'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), summary, [tabindex]:not([tabindex="-1"])';

/** The link that opens record `id` in the records table: where focus goes back without an opener. */
function recordLinkSelector(id: string): string {
  return `[data-record-link="${CSS.escape(id)}"]`;
}

/**
 * The record drawer's frame: a dialog over the right of the page, opened and closed by the URL
 * (`?id=`), so it is server-rendered and a link can open it. Once the browser runs it, it behaves as
 * a modal: focus moves to its heading, Tab and Shift+Tab cycle inside it, Escape closes it (unless a
 * confirmation dialog is open above it), and closing gives focus back to the link that opened it.
 */
export function DrawerFrame({ id, closeHref, children }: DrawerFrameProps) {
  const router = useRouter();
  const frame = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const shown = useRef(id);

  // A record opened (or another one from the table): remember what opened it, then take focus.
  useEffect(() => {
    shown.current = id;
    const active = document.activeElement;
    if (active instanceof HTMLElement && active !== document.body && !frame.current?.contains(active)) {
      opener.current = active;
    }
    heading.current?.focus({ preventScroll: true });
  }, [id]);

  // Closed (the URL lost `?id=`, by Close, Escape or the back button): focus back to the opener.
  useEffect(
    () => () => {
      const fallback = document.querySelector<HTMLElement>(recordLinkSelector(shown.current));
      for (const target of [opener.current, fallback, document.getElementById('main')]) {
        if (target?.isConnected === true) {
          target.focus();
          return;
        }
      }
    },
    [],
  );

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent): void => {
      const element = frame.current;
      // A confirmation dialog (replay, discard) is modal above the drawer: its keys are its own.
      if (element === null || event.defaultPrevented || document.querySelector('dialog[open]') !== null)
        return;
      if (event.key === 'Escape') {
        event.preventDefault();
        router.push(closeHref, { scroll: false });
        return;
      }
      if (event.key !== 'Tab') return;
      const focusable = [...element.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (first === undefined || last === undefined) return;
      const active = document.activeElement;
      const inside = active instanceof Node && element.contains(active);
      if (!inside || (event.shiftKey && (active === first || active === heading.current))) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [router, closeHref]);

  return (
    <aside
      ref={frame}
      className="dlq-drawer"
      role="dialog"
      aria-modal="true"
      aria-label={`DLQ record ${id}`}
      data-testid="dlq-drawer"
    >
      <header className="dlq-drawer-header">
        <h2 ref={heading} className="section-title" tabIndex={-1}>
          Record {id}
        </h2>
        <Link href={closeHref} scroll={false} className="button button-small" aria-keyshortcuts="Escape">
          Close
        </Link>
      </header>
      {children}
    </aside>
  );
}
