import { OVERVIEW_PATH, parseOverviewSearch } from '../../lib/overview-view';
import { dlqGroups } from '../../lib/server/dlq-client';
import { fetchExactlyOnce } from '../../lib/server/exactly-once-client';
import { fetchOverview } from '../../lib/server/overview-client';
import { requirePageSession } from '../../lib/server/page-session';
import { fetchWatermarks } from '../../lib/server/watermarks-client';
import type { SearchParams } from '../../lib/time-range-view';
import { STRIP_QUERY } from '../../lib/watermarks-view';
import { TimeRangePicker } from '../time-range-picker';
import { DlqOverviewTile } from './dlq/dlq-open-summary';
import { OverviewLive } from './overview-live';

// The first answer is read per request; a prerendered one would be stale from the start.
export const dynamic = 'force-dynamic';

interface OverviewPageProps {
  searchParams: Promise<SearchParams>;
}

/**
 * The pipeline at a glance over a range (issue 15, part 1; `?range=15m` … `7d`, default 1 h): records
 * by outcome, duplicate ratio, throughput, end-to-end latency, consumer lag, dead letters and
 * exactly-once health, from the processor's rollups; each input partition's state now, linking to
 * its watermark row; live every 5 s.
 */
export default async function OverviewPage({ searchParams }: OverviewPageProps) {
  const caller = await requirePageSession();
  const search = parseOverviewSearch(await searchParams);
  const dlqTile = dlqGroups(caller, 'open').then((dlq) => (
    <DlqOverviewTile
      totals={dlq.ok ? { ok: true, value: dlq.value } : { ok: false, message: dlq.error.message }}
      nowMs={Date.now()}
    />
  ));
  if (!search.ok) {
    return (
      <>
        <h1 className="title">Overview</h1>
        <TimeRangePicker path={OVERVIEW_PATH} current={null} />
        <div className="banner banner-warning" role="alert" data-testid="range-problems">
          <strong>Not shown:</strong> {search.problems.join(' ')} Pick a range above.
        </div>
        <section className="headline">{await dlqTile}</section>
      </>
    );
  }
  const { range } = search.query;
  const [overview, exactlyOnce, watermarks, tile] = await Promise.all([
    fetchOverview(caller, search.query),
    fetchExactlyOnce(caller, { range }),
    fetchWatermarks(caller, STRIP_QUERY),
    dlqTile,
  ]);
  return (
    <>
      <h1 className="title">Overview</h1>
      <TimeRangePicker path={OVERVIEW_PATH} current={range} />
      <OverviewLive
        key={range}
        range={range}
        initial={
          overview.ok ? { data: overview.value, error: null } : { data: null, error: overview.error.message }
        }
        initialExactlyOnce={
          exactlyOnce.ok
            ? { data: exactlyOnce.value, error: null }
            : { data: null, error: exactlyOnce.error.message }
        }
        initialWatermarks={
          watermarks.ok
            ? { data: watermarks.value, error: null }
            : { data: null, error: watermarks.error.message }
        }
        dlqTile={tile}
      />
    </>
  );
}
