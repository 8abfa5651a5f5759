'use client';

import { useSearchParams } from 'next/navigation';
import { createContext, useContext, useState, type ReactNode } from 'react';

/** Reports what a discard did, or clears the report (null) when a new one starts. */
type Report = (message: string | null) => void;

const FeedbackContext = createContext<Report>(() => undefined);

/** The message's element: where focus goes after an action whose button the refresh removes. */
export const FEEDBACK_ID = 'dlq-feedback';

/**
 * Where a discard's outcome is shown: above the groups and records, outside them, so it outlives
 * the refresh that removes the discarded rows (and the group button that started it). It belongs to
 * the view it was made in: another filter, page or record (a new URL) no longer shows it.
 */
export function DiscardFeedback({ children }: { children: ReactNode }) {
  const search = useSearchParams().toString();
  const [feedback, setFeedback] = useState<{ message: string; search: string } | null>(null);
  const report: Report = (message) => setFeedback(message === null ? null : { message, search });
  const shown = feedback !== null && feedback.search === search ? feedback.message : null;
  return (
    <FeedbackContext value={report}>
      <div id={FEEDBACK_ID} className="dlq-feedback" role="status" tabIndex={-1} data-testid="dlq-feedback">
        {shown !== null && <p className="form-success">{shown}</p>}
      </div>
      {children}
    </FeedbackContext>
  );
}

export function useDiscardFeedback(): Report {
  return useContext(FeedbackContext);
}
