'use client';

import { useEffect, useRef, type RefObject } from 'react';

/**
 * A `<dialog>` shown as a modal for as long as its component is mounted: the page behind is inert
 * (Tab stays in the dialog, a screen reader reads only it), the browser focuses its first field, and
 * Escape sends `cancel` (the dialog's onCancel decides). When it goes, focus goes back to what had it
 * before (the button that opened it), or to where `returnFocusTo` points, e.g. a message that
 * outlives a button the action removed.
 */
export function useModalDialog(dialog: RefObject<HTMLDialogElement | null>): {
  returnFocusTo: (element: HTMLElement | null) => void;
} {
  const instead = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const element = dialog.current;
    // Still the opener: React's autoFocus inside a closed dialog does not take focus.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (element !== null && !element.open) element.showModal();
    return () => {
      element?.close();
      // React has removed the dialog by now; the opener may be gone or disabled since (a refresh).
      for (const target of [instead.current, opener]) {
        if (target?.isConnected === true && !target.matches(':disabled')) {
          target.focus();
          return;
        }
      }
    };
    // Once per mount: the dialog is opened by mounting it and closed by unmounting it.
  }, [dialog]);
  return {
    returnFocusTo: (element) => {
      instead.current = element;
    },
  };
}
