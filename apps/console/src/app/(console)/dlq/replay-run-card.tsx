'use client';

import { replayRunSchema, type ReplayAction, type ReplayRun } from '@dedup/contracts';
import { useState } from 'react';
import { formatCount, formatPercent } from '../../../lib/backfill-view';
import { fetchConsole } from '../../../lib/console-fetch';
import {
  cancelQuestion,
  outcomeSummary,
  REPLAY_ACTION_LABELS,
  replayActions,
  replayEtaText,
  replayPercent,
  replayProgress,
  replayRateText,
  replayRunAnchor,
  runScope,
} from '../../../lib/replay-view';
import { LocalTime } from '../../local-time';
import { ProgressBar } from '../../progress-bar';

interface ReplayRunCardProps {
  run: ReplayRun;
  /** Operators get pause, resume and cancel (the processor checks again); viewers none. */
  canOperate: boolean;
  /** The run as the processor answered an action: shown at once, before the next poll. */
  onChanged: (run: ReplayRun) => void;
}

/** One replay run: its scope, progress by decided records, rate, ETA, and its outcome once finished. */
export function ReplayRunCard({ run, canOperate, onChanged }: ReplayRunCardProps) {
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const [pending, setPending] = useState<ReplayAction | null>(null);
  const [error, setError] = useState<string | null>(null);

  const title = `Replay ${run.id}`;
  const titleId = `replay-${run.id}-title`;
  const actions = canOperate ? replayActions(run.status) : [];
  // A poll may have finished the run while the operator read the question.
  const confirming = confirmingCancel && actions.includes('cancel');
  const finished = run.status === 'completed' || run.status === 'cancelled';

  const act = async (action: ReplayAction): Promise<void> => {
    setPending(action);
    setError(null);
    const result = await fetchConsole(
      `/api/dlq/replays/${encodeURIComponent(run.id)}/${action}`,
      replayRunSchema,
      'replay run details',
      { method: 'POST' },
    );
    setPending(null);
    setConfirmingCancel(false);
    if (result.ok) onChanged(result.value);
    else setError(result.error);
  };

  return (
    <article
      id={replayRunAnchor(run.id)}
      className={`job job-${run.status} replay-run`}
      aria-labelledby={titleId}
      data-testid="replay-run"
      data-replay-id={run.id}
    >
      <header className="job-header">
        <h3 id={titleId} className="job-title">
          {title}
        </h3>
        <span className={`status status-${run.status}`} data-testid="replay-status">
          {run.status}
        </span>
        <span className="replay-scope" data-testid="replay-scope">
          {runScope(run)}
        </span>
      </header>

      <ProgressBar
        label={`${title} progress`}
        progress={replayProgress(run)}
        processed={run.decided}
        total={run.total}
      />
      <p className="job-numbers">
        <span data-testid="replay-decided">{formatCount(run.decided)}</span> of {formatCount(run.total)}{' '}
        decided · <span data-testid="replay-percent">{formatPercent(replayPercent(run))}</span> ·{' '}
        {formatCount(run.published)} sent
        {run.status === 'running' && <> · {replayRateText(run)}</>} ·{' '}
        <span data-testid="replay-eta">{replayEtaText(run)}</span>
      </p>

      {finished && (
        <p className="replay-summary" data-testid="replay-summary">
          <strong>{run.status === 'completed' ? 'Outcome:' : 'Decided before the cancel:'}</strong>{' '}
          {outcomeSummary(run)}
        </p>
      )}

      <dl className="facts">
        <div>
          <dt>Rate cap</dt>
          <dd>{formatCount(run.maxPerSecond)} records/s</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>
            <LocalTime iso={run.startedAt ?? run.createdAt} show="datetime" />
            {run.startedBy !== null && ` by ${run.startedBy}`}
          </dd>
        </div>
        {run.finishedAt !== null && (
          <div>
            <dt>Finished</dt>
            <dd>
              <LocalTime iso={run.finishedAt} show="datetime" />
            </dd>
          </div>
        )}
        {run.reason !== null && (
          <div className="facts-wide">
            <dt>Reason</dt>
            <dd>{run.reason}</dd>
          </div>
        )}
      </dl>

      {confirming ? (
        <div className="confirm" role="group" aria-labelledby={`${titleId}-confirm`}>
          <p id={`${titleId}-confirm`} className="confirm-question">
            <strong>{cancelQuestion(run)}</strong>
          </p>
          <div className="button-row">
            <button
              type="button"
              className="button button-danger"
              disabled={pending !== null}
              onClick={() => void act('cancel')}
            >
              {pending === 'cancel' ? REPLAY_ACTION_LABELS.cancel.pending : `Yes, cancel replay ${run.id}`}
            </button>
            <button
              type="button"
              className="button"
              disabled={pending !== null}
              autoFocus
              onClick={() => setConfirmingCancel(false)}
            >
              Back
            </button>
          </div>
        </div>
      ) : (
        actions.length > 0 && (
          <div className="button-row">
            {actions.map((action) => (
              <button
                key={action}
                type="button"
                className="button"
                disabled={pending !== null}
                aria-label={`${REPLAY_ACTION_LABELS[action].verb} replay ${run.id}${action === 'cancel' ? '…' : ''}`}
                onClick={() => {
                  setError(null);
                  if (action === 'cancel') setConfirmingCancel(true);
                  else void act(action);
                }}
              >
                {pending === action
                  ? REPLAY_ACTION_LABELS[action].pending
                  : `${REPLAY_ACTION_LABELS[action].verb}${action === 'cancel' ? '…' : ''}`}
              </button>
            ))}
          </div>
        )
      )}
      {error !== null && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
