import type { Metadata } from 'next';
import { LATENESS_PATH, latenessParams, parseLatenessSearch } from '../../../lib/lateness-view';
import { fetchLateness } from '../../../lib/server/lateness-client';
import { requirePageSession } from '../../../lib/server/page-session';
import type { SearchParams } from '../../../lib/time-range-view';
import { TimeRangePicker } from '../../time-range-picker';
import { LatenessLive } from './lateness-live';

export const metadata: Metadata = { title: 'Late events · Dedup operator' };

// The first answer is read per request; the page then polls.
export const dynamic = 'force-dynamic';

interface LatenessPageProps {
  searchParams: Promise<SearchParams>;
}

/**
 * How late records arrive (issue 15, part 3): the lateness of every record behind the watermark over
 * a range, kept and late, its percentiles, the late rate, and what a longer allowed lateness would
 * keep and cost. Range and topic/partition filter in the URL; live every 5 s.
 */
export default async function LatenessPage({ searchParams }: LatenessPageProps) {
  const caller = await requirePageSession();
  const search = parseLatenessSearch(await searchParams);
  const heading = (
    <>
      <h1 className="title">Late events</h1>
      <p className="muted lede">
        How far behind the watermark records arrive, how many were too late to be decided, and what a longer
        allowed lateness would keep at what cost in dedup state.
      </p>
    </>
  );
  if (!search.ok) {
    // The picker's links start afresh (every partition): the URL's filter is what was refused.
    return (
      <>
        {heading}
        <TimeRangePicker path={LATENESS_PATH} current={null} />
        <div className="banner banner-warning" role="alert" data-testid="range-problems">
          <strong>Not shown:</strong>
          <ul className="activity-problems">
            {search.problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      </>
    );
  }
  const first = await fetchLateness(caller, search.query);
  const { query } = search;
  return (
    <>
      {heading}
      <TimeRangePicker path={LATENESS_PATH} current={query.range} keep={latenessParams(query)} />
      <LatenessLive
        key={JSON.stringify(latenessParams(query))}
        query={query}
        initial={first.ok ? first.value : null}
        initialError={first.ok ? null : first.error.message}
      />
    </>
  );
}
