'use client';

import { replayListResponseSchema, type ReplayRun } from '@dedup/contracts';
import { useRouter } from 'next/navigation';
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { fetchConsole } from '../../../lib/console-fetch';
import { anyActive, finishedSince, isActive, splitRuns, upsertRun } from '../../../lib/replay-view';
import { usePolling } from '../../use-polling';
import { ReplayRunCard } from './replay-run-card';

/** Like the backfills: the next poll starts 2 s after the last one ended. */
const POLL_INTERVAL_MS = 2_000;

/** Shows a run the processor just started (or changed) at once, before the next poll. */
type RunChanged = (run: ReplayRun) => void;

const RunsContext = createContext<RunChanged>(() => undefined);

/** For the replay dialogs: where a run they started goes. */
export function useReplayStarted(): RunChanged {
  return useContext(RunsContext);
}

interface ReplayRunsProps {
  /** The server-rendered list, or null when the processor could not be read. */
  initialRuns: ReplayRun[] | null;
  initialError: string | null;
  /** Operators pause, resume and cancel; viewers see the runs only. */
  canOperate: boolean;
  /** The groups and records, whose replay buttons start runs. */
  children: ReactNode;
}

/**
 * The "Replay runs" section above the groups and records, and the list it shows: server-rendered
 * first, then polled every 2 s while a run is running or paused (or the list could not be read).
 * When a run finishes its records have changed status (replayed, back to open, quarantined), so the
 * server-rendered groups and records are refreshed.
 */
export function ReplayRuns({ initialRuns, initialError, canOperate, children }: ReplayRunsProps) {
  const router = useRouter();
  const [runs, setRuns] = useState<ReplayRun[] | null>(initialRuns);
  const [error, setError] = useState<string | null>(initialError);
  // A refresh of the page (after a discard, a start, a finished run) renders a newer list: adopt it.
  const [rendered, setRendered] = useState(initialRuns);
  if (rendered !== initialRuns) {
    setRendered(initialRuns);
    if (initialRuns !== null) {
      setRuns(initialRuns);
      setError(null);
    }
  }
  /** Bumped by every local change: a poll that started before it may carry an older state. */
  const changes = useRef(0);

  usePolling(async (signal) => {
    if (runs !== null && !anyActive(runs)) return;
    const seen = changes.current;
    const result = await fetchConsole('/api/dlq/replays', replayListResponseSchema, 'replay runs', {
      signal,
    });
    if (signal.aborted) return;
    if (!result.ok) {
      // Keep the last good list on screen; the banner says it is stale.
      setError(result.error);
      return;
    }
    setError(null);
    if (seen !== changes.current) return;
    if (runs !== null && finishedSince(runs, result.value.runs)) router.refresh();
    setRuns(result.value.runs);
  }, POLL_INTERVAL_MS);

  const changed = useCallback<RunChanged>(
    (run) => {
      changes.current += 1;
      setRuns((previous) => upsertRun(previous ?? [], run));
      // Cancelled here: the records not sent are open again, so the lists around it are stale.
      if (!isActive(run.status)) router.refresh();
    },
    [router],
  );

  const { shown, older } = splitRuns(runs ?? []);
  return (
    <RunsContext value={changed}>
      <section
        className={error === null ? 'dlq-section replay-runs' : 'dlq-section replay-runs stale'}
        aria-label="Replay runs"
      >
        <h2 className="section-title">Replay runs</h2>
        {error !== null && (
          <div className="banner" role="alert" data-testid="replay-runs-error">
            <strong>Could not read the replay runs.</strong> {error}.{' '}
            {runs === null ? 'Retrying every 2 s.' : 'Showing the last good list; retrying every 2 s.'}
          </div>
        )}
        {runs !== null && runs.length === 0 && (
          <p className="muted" data-testid="replay-runs-empty">
            No replays yet.
            {canOperate
              ? ' Select records or a group, then Replay: a preview shows exactly what would be sent first.'
              : ''}
          </p>
        )}
        {shown.map((run) => (
          <ReplayRunCard key={run.id} run={run} canOperate={canOperate} onChanged={changed} />
        ))}
        {older.length > 0 && (
          <details className="replay-older">
            <summary>Older runs ({older.length})</summary>
            {older.map((run) => (
              <ReplayRunCard key={run.id} run={run} canOperate={canOperate} onChanged={changed} />
            ))}
          </details>
        )}
      </section>
      {children}
    </RunsContext>
  );
}
