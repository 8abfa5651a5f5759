import { requirePageSession } from '../../lib/server/page-session';
import { fetchStats } from '../../lib/server/processor-client';
import { OutcomeCounts } from './outcome-counts';

// The first snapshot is read per request; a prerendered one would be stale from the start.
export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  const first = await fetchStats(await requirePageSession());
  return (
    <>
      <h1 className="title">Overview</h1>
      <OutcomeCounts
        initialStats={first.ok ? first.stats : null}
        initialError={first.ok ? null : first.error.message}
      />
    </>
  );
}
