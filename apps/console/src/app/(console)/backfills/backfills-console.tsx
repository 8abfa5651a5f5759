'use client';

import { backfillListResponseSchema, type BackfillJob } from '@dedup/contracts';
import { useCallback, useRef, useState } from 'react';
import { fetchConsole } from '../../../lib/console-fetch';
import { LocalTime } from '../../local-time';
import { usePolling } from '../../use-polling';
import { BackfillCard } from './backfill-card';
import { BackfillForm } from './backfill-form';

/** Like the overview: the next poll starts 2 s after the last one ended. */
const POLL_INTERVAL_MS = 2_000;

interface BackfillsConsoleProps {
  /** The server-rendered first list, or null when the processor could not be read. */
  initialJobs: BackfillJob[] | null;
  initialError: string | null;
  /** When the server read the first list (ISO-8601). */
  initialAt: string;
  /** The signed-in role may create, pause, resume and cancel jobs; a viewer sees no such control. */
  canOperate: boolean;
}

export function BackfillsConsole({
  initialJobs,
  initialError,
  initialAt,
  canOperate,
}: BackfillsConsoleProps) {
  const [jobs, setJobs] = useState<BackfillJob[] | null>(initialJobs);
  const [error, setError] = useState<string | null>(initialError);
  const [updatedAt, setUpdatedAt] = useState<string | null>(initialJobs === null ? null : initialAt);
  /**
   * Bumped by every local change (create, pause, …). A poll that started before it may carry the
   * job's older state, so its answer is dropped rather than undoing what the operator just saw.
   */
  const changes = useRef(0);

  usePolling(async (signal) => {
    const seen = changes.current;
    const result = await fetchConsole('/api/backfills', backfillListResponseSchema, 'backfills', { signal });
    if (signal.aborted) return;
    if (result.ok) {
      if (seen === changes.current) {
        setJobs(result.value.backfills);
        setUpdatedAt(new Date().toISOString());
      }
      setError(null);
    } else {
      // Keep the last good list on screen; the banner says it is stale.
      setError(result.error);
    }
  }, POLL_INTERVAL_MS);

  const upsert = useCallback((job: BackfillJob): void => {
    if (job.id === null) return;
    changes.current += 1;
    setJobs((previous) => {
      const list = previous ?? [];
      return list.some((j) => j.id === job.id)
        ? list.map((j) => (j.id === job.id ? job : j))
        : [job, ...list];
    });
  }, []);

  const stale = error !== null;
  return (
    <>
      <dl className="meta">
        <div>
          <dt>Last updated</dt>
          <dd data-testid="last-updated">{updatedAt === null ? '–' : <LocalTime iso={updatedAt} />}</dd>
        </div>
      </dl>

      {error !== null && (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Backfills unavailable.</strong> {error}.{' '}
          {jobs === null
            ? 'No list yet; retrying every 2 s.'
            : 'Showing the last good list; retrying every 2 s.'}
        </div>
      )}

      <section className={stale ? 'jobs stale' : 'jobs'} aria-labelledby="jobs-title">
        <h2 id="jobs-title" className="section-title">
          Jobs
        </h2>
        {jobs === null ? (
          <p className="muted">–</p>
        ) : jobs.length === 0 ? (
          <NoBackfills canOperate={canOperate} />
        ) : (
          jobs.map((job) =>
            job.id === null ? null : (
              <BackfillCard
                key={job.id}
                job={{ ...job, id: job.id }}
                onChanged={upsert}
                canOperate={canOperate}
              />
            ),
          )
        )}
      </section>

      {canOperate ? (
        <BackfillForm onCreated={upsert} />
      ) : (
        <p className="muted" data-testid="read-only-note">
          Signed in as a viewer: starting, pausing or cancelling a backfill needs the operator role.
        </p>
      )}
    </>
  );
}

/** What a backfill is for, and where to start one (operators) or who can (viewers). */
function NoBackfills({ canOperate }: { canOperate: boolean }) {
  return (
    <div className="panel empty-state" data-testid="backfills-empty">
      <h3 className="empty-state-title">No backfills yet</h3>
      <p>
        A backfill re-runs the dedup pipeline over a past range of a topic, by record time or by offsets, into
        a topic of its own: after a fix to the event contract or a key strategy, or to rebuild an output a
        consumer lost. It runs rate-limited, with its own dedup state; the live pipeline is not touched.
      </p>
      {canOperate ? (
        <p>
          <a
            href="#bf-target"
            className="button"
            // The fragment scrolls; the field also takes focus, so typing starts there.
            onClick={() => document.getElementById('bf-target')?.focus()}
          >
            Start one
          </a>{' '}
          <span className="muted">
            with the form below: Preview shows what it would read, and creates nothing.
          </span>
        </p>
      ) : (
        <p className="muted">Starting one needs the operator role.</p>
      )}
    </div>
  );
}
