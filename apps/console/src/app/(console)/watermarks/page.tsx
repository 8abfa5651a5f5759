import type { Metadata } from 'next';
import { single, type SearchParams } from '../../../lib/search-params';
import { requirePageSession } from '../../../lib/server/page-session';
import { fetchWatermarks } from '../../../lib/server/watermarks-client';
import { WatermarksLive } from './watermarks-live';

export const metadata: Metadata = { title: 'Watermarks · Dedup operator' };

// The first answer is read per request (so `#p-3` finds its row at once); the page then polls.
export const dynamic = 'force-dynamic';

/**
 * For on-call (issue 15): per input partition, its watermark, how far it trails the wall clock and
 * the log, whether it is idle, and who consumes it; and the partition holding the pipeline
 * watermark back, marked. Rules: docs/semantics.md.
 */
export default async function WatermarksPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const caller = await requirePageSession();
  // Another page's link names the record's topic (`?topic=…#p-3`): said so when it is not the input.
  const [first, askedTopic] = await Promise.all([
    fetchWatermarks(caller),
    searchParams.then((params) => single(params, 'topic') ?? null),
  ]);
  return (
    <>
      <h1 className="title">Watermarks</h1>
      <p className="muted lede">
        How far event time has got on each input partition, and which partition holds the pipeline back.
      </p>
      <WatermarksLive
        initial={first.ok ? first.value : null}
        initialError={first.ok ? null : first.error.message}
        askedTopic={askedTopic}
      />
    </>
  );
}
