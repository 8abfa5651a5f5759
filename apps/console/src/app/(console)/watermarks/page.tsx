import type { Metadata } from 'next';
import { single } from '../../../lib/search-params';
import { requirePageSession } from '../../../lib/server/page-session';
import { fetchWatermarks } from '../../../lib/server/watermarks-client';
import { DEFAULT_TIME_RANGE, type SearchParams } from '../../../lib/time-range-view';
import { parseWatermarksSearch, WATERMARKS_PATH } from '../../../lib/watermarks-view';
import { TimeRangePicker } from '../../time-range-picker';
import { WatermarksLive } from './watermarks-live';

export const metadata: Metadata = { title: 'Watermarks · Dedup operator' };

// The first answer is read per request (so `#p-3` finds its row at once); the page then polls.
export const dynamic = 'force-dynamic';

/**
 * For on-call (issue 15): per input partition, its watermark, how far it trails the wall clock and
 * the log, whether it is idle, and who consumes it; the partition holding the pipeline watermark
 * back, marked; and each partition's lag over a range (`?range=15m` … `7d`, default 1 h). Rules:
 * docs/semantics.md.
 */
export default async function WatermarksPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const caller = await requirePageSession();
  const params = await searchParams;
  // Another page's link names the record's topic (`?topic=…#p-3`): said so when it is not the input.
  const askedTopic = single(params, 'topic') ?? null;
  const search = parseWatermarksSearch(params);
  // A refused range hides the chart only: the current watermarks are what on-call came for.
  const first = await fetchWatermarks(caller, search.ok ? search.query : { range: DEFAULT_TIME_RANGE });
  const range = search.ok ? search.query.range : null;
  return (
    <>
      <h1 className="title">Watermarks</h1>
      <p className="muted lede">
        How far event time has got on each input partition, and which partition holds the pipeline back.
      </p>
      <TimeRangePicker path={WATERMARKS_PATH} current={range} keep={{ topic: askedTopic ?? undefined }} />
      {!search.ok && (
        <div className="banner banner-warning" role="alert" data-testid="range-problems">
          <strong>No lag chart:</strong> {search.problems.join(' ')} Pick a range above.
        </div>
      )}
      <WatermarksLive
        key={range ?? 'refused'}
        range={range}
        initial={first.ok ? first.value : null}
        initialError={first.ok ? null : first.error.message}
        askedTopic={askedTopic}
      />
    </>
  );
}
