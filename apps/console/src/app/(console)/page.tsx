import { requirePageSession } from '../../lib/server/page-session';
import { dlqGroups } from '../../lib/server/dlq-client';
import { fetchStats } from '../../lib/server/processor-client';
import { DlqOverviewTile } from './dlq/dlq-open-summary';
import { OutcomeCounts } from './outcome-counts';

// The first snapshot is read per request; a prerendered one would be stale from the start.
export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  const caller = await requirePageSession();
  const [first, dlq] = await Promise.all([fetchStats(caller), dlqGroups(caller, 'open')]);
  return (
    <>
      <h1 className="title">Overview</h1>
      <OutcomeCounts
        initialStats={first.ok ? first.stats : null}
        initialError={first.ok ? null : first.error.message}
      />
      <DlqOverviewTile
        totals={dlq.ok ? { ok: true, value: dlq.value } : { ok: false, message: dlq.error.message }}
        nowMs={Date.now()}
      />
    </>
  );
}
