'use client';

import {
  replayPreviewSchema,
  replayRunSchema,
  type DlqSelection,
  type ReplayPreview,
} from '@dedup/contracts';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useRef, useState, type SyntheticEvent } from 'react';
import { fetchConsole } from '../../../lib/console-fetch';
import { previewText, recordsText } from '../../../lib/dlq-view';
import {
  matchesPreview,
  previewPaceText,
  previewRequest,
  replayQuestion,
  sampleCaption,
  startedMessage,
  type ReplayInputProblems,
  type ReplayInputs,
} from '../../../lib/replay-view';
import { FEEDBACK_ID, useDiscardFeedback } from './discard-feedback';
import { useReplayStarted } from './replay-runs';
import { useModalDialog } from './use-modal-dialog';

interface ReplayDialogProps {
  /** What was picked, in words: "Replay group <cause>", "Replay 3 records of cause X". */
  title: string;
  selection: DlqSelection;
  onClose: () => void;
  /** After the processor started the run (before the page refreshes). */
  onStarted?: () => void;
}

/** The preview the dialog shows, and the inputs it was made with (its token binds them). */
interface Previewed {
  readonly preview: ReplayPreview;
  readonly maxPerSecond: number;
  readonly reason: string;
}

type Busy = 'preview' | 'start' | null;

/**
 * A replay in two steps, in a modal dialog: the preview runs as it opens (the dry run: the exact
 * count, the scope in words, a sample, the pace at the rate cap), then "Replay N records" starts
 * exactly that set with the preview's token. Changing the rate or the reason means previewing again;
 * so does a refusal of the start (the set changed since, or the preview expired).
 */
export function ReplayDialog({ title, selection, onClose, onStarted }: ReplayDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const report = useDiscardFeedback();
  const started = useReplayStarted();
  const [inputs, setInputs] = useState<ReplayInputs>({ maxPerSecond: '', reason: '' });
  const [problems, setProblems] = useState<ReplayInputProblems>({});
  const [previewed, setPreviewed] = useState<Previewed | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  /** The processor refused the start for this preview (409/404): only a new preview helps. */
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState<Busy>(null);
  const opened = useRef(false);
  const id = useId();

  const runPreview = async (values: ReplayInputs): Promise<void> => {
    const built = previewRequest(selection, values);
    setProblems(built.ok ? {} : built.problems);
    if (!built.ok) return;
    setBusy('preview');
    setPreviewError(null);
    setStartError(null);
    const result = await fetchConsole('/api/dlq/replays/preview', replayPreviewSchema, 'the replay preview', {
      method: 'POST',
      body: built.request,
    });
    setBusy(null);
    if (!result.ok) {
      setPreviewError(result.error);
      return;
    }
    const preview = result.value;
    setPreviewed({ preview, maxPerSecond: preview.maxPerSecond, reason: built.request.reason ?? '' });
    setStale(false);
    // The processor's default rate, once known, is what the input shows.
    setInputs((previous) => ({ ...previous, maxPerSecond: String(preview.maxPerSecond) }));
  };

  const { returnFocusTo } = useModalDialog(dialog);
  useEffect(() => {
    // Once, even when React runs the effect twice (strict mode): each preview is logged.
    if (!opened.current) {
      opened.current = true;
      void runPreview({ maxPerSecond: '', reason: '' });
    }
    // Deliberately once: the preview is of the selection the dialog opened with.
  }, []);

  const start = async (preview: ReplayPreview): Promise<void> => {
    setBusy('start');
    setStartError(null);
    const result = await fetchConsole('/api/dlq/replays', replayRunSchema, 'replay run details', {
      method: 'POST',
      body: { token: preview.token },
    });
    setBusy(null);
    if (!result.ok) {
      setStartError(result.error);
      if (result.status === 409 || result.status === 404) setStale(true);
      return;
    }
    started(result.value);
    report(startedMessage(result.value));
    // The run's records leave the open list on the refresh, and may take the opening button along.
    returnFocusTo(document.getElementById(FEEDBACK_ID));
    onStarted?.();
    onClose();
    router.refresh();
  };

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    // Enter in a field, or "Preview again": a preview; only the Replay button starts.
    event.preventDefault();
    void runPreview(inputs);
  };

  const edit = (key: keyof ReplayInputs, value: string): void => {
    setInputs((previous) => ({ ...previous, [key]: value }));
    setProblems((previous) => ({ ...previous, [key]: undefined }));
  };

  const preview = previewed?.preview ?? null;
  const current = previewed !== null && matchesPreview(inputs, previewed);
  const canStart = preview !== null && preview.count > 0 && current && !stale;

  return (
    <dialog
      ref={dialog}
      className="dlq-dialog replay-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-scope`}
      aria-busy={busy === 'preview'}
      onCancel={(event) => {
        // Escape: back, unless the start is in flight (its answer is still to be shown).
        event.preventDefault();
        if (busy !== 'start') onClose();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id={`${id}-title`} className="dlq-dialog-question">
          {title}
        </h2>

        {preview === null ? (
          <p id={`${id}-scope`} className="muted" role="status">
            {busy === 'preview'
              ? 'Previewing: a dry run that counts exactly what a replay would send…'
              : 'No preview yet.'}
          </p>
        ) : (
          <div className={current ? 'replay-preview' : 'replay-preview stale'} data-testid="replay-preview">
            <p className="replay-count">
              <strong data-testid="replay-count">{replayQuestion(preview.count)}</strong>
            </p>
            <p id={`${id}-scope`} data-testid="replay-preview-scope">
              {preview.count === 0
                ? 'None of these records is open or quarantined any more.'
                : `Scope: ${preview.scope}.`}
            </p>
            {preview.count > 0 && (
              <>
                <p className="muted" data-testid="replay-pace">
                  {previewPaceText(preview)}
                </p>
                <p className="replay-sample-caption">{sampleCaption(preview.sample.length, preview.count)}</p>
                <div className="table-scroll">
                  <table className="table dlq-table replay-sample" aria-label="Sample of the replay">
                    <thead>
                      <tr>
                        <th scope="col" className="num">
                          Id
                        </th>
                        <th scope="col">Error</th>
                        <th scope="col">Value</th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.sample.map((record) => (
                        <tr key={record.id}>
                          <td className="num">{record.id}</td>
                          <td className="dlq-error">
                            <code>{record.errorType}</code>
                            <span className="activity-sub">{record.errorMessage}</span>
                          </td>
                          <td className="dlq-preview">
                            <code>{previewText(record.valuePreview)}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <p className="muted">
                  Each record goes back into the pipeline&apos;s input topic with its key, value and headers,
                  and the live pipeline decides it; one that fails again returns to the DLQ with one more
                  attempt.
                </p>
              </>
            )}
          </div>
        )}

        <div className="field-grid replay-fields">
          <div className="field">
            <label className="field-label" htmlFor={`${id}-rate`}>
              Max records/s
            </label>
            <input
              id={`${id}-rate`}
              className="input"
              type="text"
              inputMode="numeric"
              value={inputs.maxPerSecond}
              onChange={(event) => edit('maxPerSecond', event.target.value)}
              placeholder="processor default"
              disabled={busy !== null}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={problems.maxPerSecond !== undefined}
              aria-describedby={problems.maxPerSecond === undefined ? undefined : `${id}-rate-problem`}
            />
            {problems.maxPerSecond !== undefined && (
              <p id={`${id}-rate-problem`} className="field-error">
                {problems.maxPerSecond}
              </p>
            )}
          </div>
        </div>
        <label className="field-label dlq-reason-label" htmlFor={`${id}-reason`}>
          Reason (optional)
        </label>
        <textarea
          id={`${id}-reason`}
          className="input dlq-reason"
          value={inputs.reason}
          onChange={(event) => edit('reason', event.target.value)}
          placeholder="why: kept with the run and in the operator action log"
          rows={2}
          maxLength={500}
          disabled={busy !== null}
          aria-invalid={problems.reason !== undefined}
          aria-describedby={problems.reason === undefined ? undefined : `${id}-reason-problem`}
        />
        {problems.reason !== undefined && (
          <p id={`${id}-reason-problem`} className="field-error">
            {problems.reason}
          </p>
        )}
        {previewed !== null && !current && (
          <p className="hint" role="status">
            Changed since the preview: preview again to replay at this rate with this reason.
          </p>
        )}

        {previewError !== null && (
          <div className="banner form-banner" role="alert" data-testid="replay-preview-error">
            <strong>The preview failed.</strong> {previewError}
          </div>
        )}
        {startError !== null && (
          <div className="banner form-banner" role="alert" data-testid="replay-start-error">
            <strong>Not started.</strong> {startError}
          </div>
        )}

        <div className="button-row">
          {canStart && (
            <button
              type="button"
              className="button button-primary"
              disabled={busy !== null}
              onClick={() => void start(preview)}
            >
              {busy === 'start' ? 'Starting…' : `Replay ${recordsText(preview.count)}`}
            </button>
          )}
          {!canStart && (
            <button type="submit" className="button" disabled={busy !== null}>
              {busy === 'preview' ? 'Previewing…' : 'Preview again'}
            </button>
          )}
          <button type="button" className="button" disabled={busy === 'start'} onClick={onClose}>
            Back
          </button>
        </div>
      </form>
    </dialog>
  );
}
