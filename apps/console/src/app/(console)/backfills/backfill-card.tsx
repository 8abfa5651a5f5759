'use client';

import { backfillJobSchema, type BackfillAction, type BackfillJob } from '@dedup/contracts';
import { useState } from 'react';
import {
  ACTION_LABELS,
  allowedActions,
  backfillAnchor,
  confirmQuestion,
  formatCount,
  formatDuration,
  formatPercent,
  jobTitle,
  progressPercent,
} from '../../../lib/backfill-view';
import { fetchConsole } from '../../../lib/console-fetch';
import { LocalTime } from '../../local-time';
import { ProgressBar } from '../../progress-bar';
import { PartitionsTable } from './partitions-table';
import { RangeText } from './range-text';

interface BackfillCardProps {
  job: BackfillJob & { id: string };
  /** The job as the processor answered an action: shown at once, before the next poll. */
  onChanged: (job: BackfillJob) => void;
  /** The signed-in role may pause, resume and cancel (the server checks again). */
  canOperate: boolean;
}

export function BackfillCard({ job, onChanged, canOperate }: BackfillCardProps) {
  const [confirming, setConfirming] = useState<BackfillAction | null>(null);
  const [pending, setPending] = useState<BackfillAction | null>(null);
  const [error, setError] = useState<string | null>(null);

  const title = jobTitle(job);
  const titleId = `backfill-${job.id}-title`;
  const actions = canOperate ? allowedActions(job.status) : [];
  // A poll may have moved the job on (e.g. it completed) while the operator was reading the question.
  const question = confirming !== null && actions.includes(confirming) ? confirming : null;
  const percent = progressPercent(job.progress);

  const run = async (action: BackfillAction): Promise<void> => {
    setPending(action);
    setError(null);
    const result = await fetchConsole(
      `/api/backfills/${encodeURIComponent(job.id)}/${action}`,
      backfillJobSchema,
      'backfill details',
      { method: 'POST' },
    );
    setPending(null);
    setConfirming(null);
    if (result.ok) onChanged(result.value);
    else setError(result.error);
  };

  return (
    <article
      id={backfillAnchor(job.id)}
      className={`job job-${job.status}`}
      aria-labelledby={titleId}
      data-testid={`backfill-${job.id}`}
    >
      <header className="job-header">
        <h3 id={titleId} className="job-title">
          {title}
        </h3>
        <span className={`status status-${job.status}`} data-testid="backfill-status">
          {job.status}
        </span>
        <span className="job-topics">
          {job.sourceTopic} → {job.targetTopic}
        </span>
      </header>

      <ProgressBar
        label={`${title} progress`}
        progress={job.progress}
        processed={job.processedRecords}
        total={job.totalRecords}
      />
      <p className="job-numbers">
        <span data-testid="backfill-processed">{formatCount(job.processedRecords)}</span> of{' '}
        <span data-testid="backfill-total">{formatCount(job.totalRecords)}</span> records ·{' '}
        <span data-testid="backfill-percent">{formatPercent(percent)}</span>
        {job.status === 'running' && (
          <>
            {' '}
            · ETA <span data-testid="backfill-eta">{formatDuration(job.etaSeconds)}</span>
          </>
        )}
      </p>

      {job.status === 'failed' && job.error !== null && (
        <p className="job-error">
          <strong>Failed:</strong> {job.error}
        </p>
      )}

      <dl className="facts">
        <div>
          <dt>Range</dt>
          <dd>
            <RangeText range={job.range} />
          </dd>
        </div>
        <div>
          <dt>Rate limit</dt>
          <dd>{formatCount(job.maxEventsPerSecond)} events/s</dd>
        </div>
        {job.createdAt !== null && (
          <div>
            <dt>Created</dt>
            <dd>
              <LocalTime iso={job.createdAt} show="datetime" />
              {job.createdBy !== null && ` by ${job.createdBy}`}
            </dd>
          </div>
        )}
        {job.finishedAt !== null && (
          <div>
            <dt>Finished</dt>
            <dd>
              <LocalTime iso={job.finishedAt} show="datetime" />
            </dd>
          </div>
        )}
        {job.reason !== null && (
          <div className="facts-wide">
            <dt>Reason</dt>
            <dd>{job.reason}</dd>
          </div>
        )}
      </dl>

      <details className="job-partitions">
        <summary>
          Partitions ({job.partitions.length}): duplicates to {job.duplicatesTopic}, late to {job.lateTopic}
        </summary>
        <PartitionsTable
          owner={title}
          partitions={job.partitions}
          topic={job.sourceTopic}
          totalRecords={job.totalRecords}
        />
      </details>

      {question !== null ? (
        <div className="confirm" role="group" aria-labelledby={`${titleId}-confirm`}>
          <p id={`${titleId}-confirm`} className="confirm-question">
            <strong>{confirmQuestion(question, job)}</strong>{' '}
            <span className="muted">{ACTION_LABELS[question].hint}</span>
          </p>
          <div className="button-row">
            <button
              type="button"
              className={question === 'cancel' ? 'button button-danger' : 'button button-primary'}
              disabled={pending !== null}
              onClick={() => void run(question)}
            >
              {pending === question
                ? ACTION_LABELS[question].pending
                : `Yes, ${ACTION_LABELS[question].verb.toLowerCase()} ${title.toLowerCase()}`}
            </button>
            <button
              type="button"
              className="button"
              disabled={pending !== null}
              autoFocus
              onClick={() => setConfirming(null)}
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
                aria-label={`${ACTION_LABELS[action].verb} ${title.toLowerCase()}…`}
                onClick={() => {
                  setError(null);
                  setConfirming(action);
                }}
              >
                {ACTION_LABELS[action].verb}…
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
