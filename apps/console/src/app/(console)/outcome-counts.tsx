'use client';

import { OUTCOMES, type Outcome } from '@dedup/contracts';
import { useState } from 'react';
import { fetchConsole } from '../../lib/console-fetch';
import { statsDtoSchema, type StatsDto } from '../../lib/stats-dto';
import { LocalTime } from '../local-time';
import { usePolling } from '../use-polling';

/** How often the browser asks the console for fresh numbers; the next poll starts after the last ends. */
const POLL_INTERVAL_MS = 2_000;

/** One line per outcome for the tile; a Record so a new outcome is a type error until described. */
const OUTCOME_LABELS: Record<Outcome, { label: string; hint: string }> = {
  unique: { label: 'Unique', hint: 'First sighting of the event id: forwarded' },
  duplicate: { label: 'Duplicate', hint: 'Event id already seen within the dedup window' },
  late: { label: 'Late', hint: 'Arrived behind the watermark' },
  invalid: { label: 'Invalid', hint: 'Rejected by the event contract' },
  failed: { label: 'Failed', hint: 'Processing error' },
};

type PollResult = { ok: true; stats: StatsDto } | { ok: false; error: string };

interface OutcomeCountsProps {
  /** The server-rendered first snapshot, or null when the processor could not be read. */
  initialStats: StatsDto | null;
  initialError: string | null;
}

export function OutcomeCounts({ initialStats, initialError }: OutcomeCountsProps) {
  const [stats, setStats] = useState<StatsDto | null>(initialStats);
  const [error, setError] = useState<string | null>(initialError);

  usePolling(async (signal) => {
    const result = await pollStats(signal);
    if (signal.aborted) return;
    if (result.ok) {
      setStats(result.stats);
      setError(null);
    } else {
      // Keep the last good numbers on screen; the banner says they are stale.
      setError(result.error);
    }
  }, POLL_INTERVAL_MS);

  const stale = error !== null;
  return (
    <>
      <dl className="meta">
        <div>
          <dt>Pipeline</dt>
          <dd data-testid="pipeline-name">{stats?.pipeline ?? '–'}</dd>
        </div>
        <div>
          <dt>Last updated</dt>
          <dd data-testid="last-updated">{stats === null ? '–' : <LocalTime iso={stats.generatedAt} />}</dd>
        </div>
      </dl>

      {error !== null && (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Live stats unavailable.</strong> {error}.{' '}
          {stats === null
            ? 'No numbers yet; retrying every 2 s.'
            : 'Showing the last good numbers; retrying every 2 s.'}
        </div>
      )}

      <section className={stale ? 'tiles stale' : 'tiles'} aria-label="Events by outcome">
        {OUTCOMES.map((outcome) => (
          <article key={outcome} className={`tile tile-${outcome}`} title={OUTCOME_LABELS[outcome].hint}>
            <h2 className="tile-label">{OUTCOME_LABELS[outcome].label}</h2>
            {stats === null ? (
              <p className="tile-total">–</p>
            ) : (
              <>
                <p className="tile-total" data-testid={`count-${outcome}`}>
                  {stats.totals[outcome]}
                </p>
                <p className="tile-recent">
                  <span data-testid={`recent-${outcome}`}>{stats.lastFiveMinutes[outcome]}</span> in the last
                  5 min
                </p>
              </>
            )}
          </article>
        ))}
      </section>

      <section className={stale ? 'ratio stale' : 'ratio'} aria-label="Duplicate ratio">
        <h2 className="ratio-label">Duplicate ratio</h2>
        <p className="ratio-value" data-testid="duplicate-ratio">
          {formatRatio(stats?.duplicateRatio ?? null)}
        </p>
        <p className="ratio-recent">
          last 5 min{' '}
          <span data-testid="duplicate-ratio-recent">{formatRatio(stats?.recentDuplicateRatio ?? null)}</span>
        </p>
        <p className="ratio-hint">duplicate / (unique + duplicate)</p>
      </section>
    </>
  );
}

/** One poll of the console's own route. Never throws: every failure becomes a message. */
async function pollStats(signal: AbortSignal): Promise<PollResult> {
  const result = await fetchConsole('/api/stats', statsDtoSchema, 'stats', { signal });
  return result.ok ? { ok: true, stats: result.value } : { ok: false, error: result.error };
}

function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`;
}
