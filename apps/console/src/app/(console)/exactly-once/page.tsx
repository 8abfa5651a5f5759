import type { Metadata } from 'next';
import { EXACTLY_ONCE_PATH, parseExactlyOnceSearch } from '../../../lib/exactly-once-view';
import { fetchExactlyOnce } from '../../../lib/server/exactly-once-client';
import { requirePageSession } from '../../../lib/server/page-session';
import type { SearchParams } from '../../../lib/time-range-view';
import { TimeRangePicker } from '../../time-range-picker';
import { ExactlyOnceLive } from './exactly-once-live';

export const metadata: Metadata = { title: 'Exactly-once · Dedup operator' };

// The first answer is read per request; the page then polls.
export const dynamic = 'force-dynamic';

interface ExactlyOncePageProps {
  searchParams: Promise<SearchParams>;
}

/**
 * Is exactly-once output healthy (issue 15, part 5): Kafka transactions committed and aborted,
 * producer fencing and rebalances over a range, how far each output partition's last stable offset
 * trails, and how long since each input partition last committed. Range in the URL; live every 5 s.
 */
export default async function ExactlyOncePage({ searchParams }: ExactlyOncePageProps) {
  const caller = await requirePageSession();
  const search = parseExactlyOnceSearch(await searchParams);
  const heading = (
    <>
      <h1 className="title">Exactly-once</h1>
      <p className="muted lede">
        Whether output is written exactly once: the Kafka transactions that carry it, what disturbed them, and
        whether any is holding readers back now.
      </p>
    </>
  );
  if (!search.ok) {
    return (
      <>
        {heading}
        <TimeRangePicker path={EXACTLY_ONCE_PATH} current={null} />
        <div className="banner banner-warning" role="alert" data-testid="range-problems">
          <strong>Not shown:</strong> {search.problems.join(' ')} Pick a range above.
        </div>
      </>
    );
  }
  const { range } = search.query;
  const first = await fetchExactlyOnce(caller, search.query);
  return (
    <>
      {heading}
      <TimeRangePicker path={EXACTLY_ONCE_PATH} current={range} />
      <ExactlyOnceLive
        key={range}
        range={range}
        initial={first.ok ? first.value : null}
        initialError={first.ok ? null : first.error.message}
      />
    </>
  );
}
