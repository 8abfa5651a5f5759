import type { DlqGroupsResponse } from '@dedup/contracts';
import Link from 'next/link';
import { formatCount } from '../../../lib/backfill-view';
import { formatAge } from '../../../lib/dlq-view';
import { LocalTime } from '../../local-time';

/** The open records as the groups route counts them, or why they could not be read. */
export type OpenTotals =
  { ok: true; value: Pick<DlqGroupsResponse, 'total' | 'oldestFailureAt'> } | { ok: false; message: string };

/** The DLQ page's summary line: how many records are open, and how long the oldest has waited. */
export function DlqOpenSummary({ totals, nowMs }: { totals: OpenTotals; nowMs: number }) {
  if (!totals.ok) {
    return (
      <div className="banner" role="alert" data-testid="dlq-summary-error">
        <strong>Could not count the open records.</strong> {totals.message}
      </div>
    );
  }
  const { total, oldestFailureAt } = totals.value;
  return (
    <p className="dlq-summary">
      <strong className="dlq-summary-count" data-testid="dlq-open-count">
        {formatCount(total)}
      </strong>{' '}
      open {total === 1 ? 'record' : 'records'}
      {oldestFailureAt !== null && (
        <>
          ; the oldest first failed{' '}
          <span data-testid="dlq-oldest-age">{formatAge(oldestFailureAt, nowMs)}</span> ago (
          <LocalTime iso={oldestFailureAt} show="datetime" />)
        </>
      )}
      .
    </p>
  );
}

/** The overview's line on the DLQ: open records and the oldest one's age, linking to the DLQ page. */
export function DlqOverviewTile({ totals, nowMs }: { totals: OpenTotals; nowMs: number }) {
  if (!totals.ok) {
    return (
      <div className="banner" role="alert" data-testid="overview-dlq">
        <strong>Dead letters unavailable.</strong> {totals.message}.{' '}
        <Link href="/dlq">Open the DLQ page</Link>
      </div>
    );
  }
  const { total, oldestFailureAt } = totals.value;
  return (
    <Link href="/dlq" className="tile dlq-tile" data-testid="overview-dlq">
      <span className="tile-label">Dead letters</span>
      <span className="tile-total" data-testid="overview-dlq-open">
        {formatCount(total)}
      </span>
      <span className="tile-recent">
        {oldestFailureAt === null
          ? 'open records: none'
          : `open ${total === 1 ? 'record' : 'records'}; the oldest for ${formatAge(oldestFailureAt, nowMs)}`}
      </span>
    </Link>
  );
}
