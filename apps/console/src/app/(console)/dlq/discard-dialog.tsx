'use client';

import { dlqDiscardResponseSchema, type DlqSelection } from '@dedup/contracts';
import { useRouter } from 'next/navigation';
import { useId, useRef, useState, type SyntheticEvent } from 'react';
import { fetchConsole } from '../../../lib/console-fetch';
import { discardedMessage, reasonProblem } from '../../../lib/dlq-view';
import { FEEDBACK_ID, useDiscardFeedback } from './discard-feedback';
import { useModalDialog } from './use-modal-dialog';

interface DiscardDialogProps {
  /** The scope in words: "Discard 3 records of cause X?" */
  question: string;
  hint: string;
  /** The confirm button: "Discard 3 records". */
  confirmLabel: string;
  selection: DlqSelection;
  /** How many records the question names, to say when fewer were discarded. */
  asked: number;
  onClose: () => void;
  /** After a discard the processor accepted (before the page refreshes). */
  onDiscarded?: () => void;
}

/**
 * A modal confirmation of a discard: the scope in words and a reason (3–500 characters, for the
 * records' history and the action log). Sends it to the console's `/api/dlq/discard`, then refreshes
 * the server-rendered page; a refusal stays in the dialog to read.
 */
export function DiscardDialog({
  question,
  hint,
  confirmLabel,
  selection,
  asked,
  onClose,
  onDiscarded,
}: DiscardDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const report = useDiscardFeedback();
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const id = useId();

  const { returnFocusTo } = useModalDialog(dialog);

  const submit = async (event: SyntheticEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const wrong = reasonProblem(reason);
    setProblem(wrong);
    if (wrong !== null) return;
    setPending(true);
    setError(null);
    const result = await fetchConsole('/api/dlq/discard', dlqDiscardResponseSchema, 'the discard result', {
      method: 'POST',
      body: { selection, reason: reason.trim() },
    });
    setPending(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    report(discardedMessage(result.value.discarded, asked));
    // The button that opened the dialog may be gone after the refresh (its group): focus the message.
    returnFocusTo(document.getElementById(FEEDBACK_ID));
    onDiscarded?.();
    onClose();
    router.refresh();
  };

  return (
    <dialog
      ref={dialog}
      className="dlq-dialog"
      aria-labelledby={`${id}-question`}
      aria-describedby={`${id}-hint`}
      onCancel={(event) => {
        // Escape: back, unless the request is in flight (its answer is still to be shown).
        event.preventDefault();
        if (!pending) onClose();
      }}
    >
      <form onSubmit={(event) => void submit(event)} noValidate>
        <h2 id={`${id}-question`} className="dlq-dialog-question">
          {question}
        </h2>
        <p id={`${id}-hint`} className="muted">
          {hint}
        </p>
        <label className="field-label dlq-reason-label" htmlFor={`${id}-reason`}>
          Reason
        </label>
        <textarea
          id={`${id}-reason`}
          className="input dlq-reason"
          name="reason"
          value={reason}
          onChange={(event) => {
            setReason(event.target.value);
            setProblem(null);
          }}
          placeholder="why: kept with the records and in the operator action log"
          rows={3}
          maxLength={500}
          required
          aria-invalid={problem !== null}
          aria-describedby={problem === null ? undefined : `${id}-problem`}
          autoFocus
        />
        {problem !== null && (
          <p id={`${id}-problem`} className="field-error">
            {problem}
          </p>
        )}
        {error !== null && (
          <div className="banner form-banner" role="alert" data-testid="dlq-discard-error">
            {error}
          </div>
        )}
        <div className="button-row">
          <button type="submit" className="button button-danger" disabled={pending}>
            {pending ? 'Discarding…' : confirmLabel}
          </button>
          <button type="button" className="button" disabled={pending} onClick={onClose}>
            Back
          </button>
        </div>
      </form>
    </dialog>
  );
}
