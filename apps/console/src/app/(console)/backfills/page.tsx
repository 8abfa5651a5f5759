import type { Metadata } from 'next';
import { listBackfills } from '../../../lib/server/backfill-client';
import { can, requirePageSession } from '../../../lib/server/page-session';
import { BackfillsConsole } from './backfills-console';

export const metadata: Metadata = { title: 'Backfills · Dedup operator' };

// The first snapshot is read per request; a prerendered one would be stale from the start.
export const dynamic = 'force-dynamic';

export default async function BackfillsPage() {
  const caller = await requirePageSession();
  const first = await listBackfills(caller);
  return (
    <>
      <h1 className="title">Backfills</h1>
      <p className="muted lede">
        Re-run the dedup pipeline over a range of a topic into another topic, rate-limited, in its own state:
        the live pipeline is not touched.
      </p>
      <BackfillsConsole
        initialJobs={first.ok ? first.value.backfills : null}
        initialError={first.ok ? null : first.error.message}
        initialAt={new Date().toISOString()}
        canOperate={can(caller, 'operator')}
      />
    </>
  );
}
