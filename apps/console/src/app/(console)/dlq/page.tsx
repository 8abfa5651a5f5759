import type { DlqGroupsResponse } from '@dedup/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import {
  closeRecordHref,
  dlqFormValues,
  dlqHref,
  listQuery,
  newestHref,
  olderHref,
  parseDlqView,
  statusHref,
  SWITCH_STATUSES,
  type DlqView,
  type SearchParams,
} from '../../../lib/dlq-view';
import type { ProcessorResult } from '../../../lib/server/api-client';
import { dlqGroups, getDlqRecord, listDlq, listReplays } from '../../../lib/server/dlq-client';
import { throwIfProcessorUnavailable } from '../../../lib/server/page-errors';
import { can, requirePageSession } from '../../../lib/server/page-session';
import { DiscardFeedback } from './discard-feedback';
import { DlqFilters } from './dlq-filters';
import { DlqGroupsTable } from './dlq-groups-table';
import { DlqOpenSummary, type OpenTotals } from './dlq-open-summary';
import { DlqRecordDrawer } from './dlq-record-drawer';
import { config } from '../../../lib/server/config';
import { DlqRecordsTable } from './dlq-records-table';
import { ReplayRuns } from './replay-runs';

export const metadata: Metadata = { title: 'Dead letters · Dedup operator' };

// Read per request: a prerendered page would be stale from the start.
export const dynamic = 'force-dynamic';

interface DlqPageProps {
  searchParams: Promise<SearchParams>;
}

/**
 * DLQ triage: the records that failed, grouped by cause, listed with filters, one opened whole in a
 * drawer. Everything the view shows is in the URL (status, filters, page, open record), so it can be
 * shared and reloaded; one server round trip per view. Operators replay records (a preview first,
 * then a run whose progress the page polls) and discard them, with a reason; everyone sees the runs.
 */
export default async function DlqPage({ searchParams }: DlqPageProps) {
  const caller = await requirePageSession();
  const { view, problems } = parseDlqView(await searchParams);
  const canOperate = can(caller, 'operator');
  const [groups, openGroups, records, record, replays] = await Promise.all([
    dlqGroups(caller, view.status),
    view.status === 'open' ? null : dlqGroups(caller, 'open'),
    listDlq(caller, listQuery(view)),
    view.id === undefined ? null : getDlqRecord(caller, view.id),
    listReplays(caller),
  ]);
  // Nothing read at all: the section's error boundary says so, with Retry (error.tsx).
  throwIfProcessorUnavailable([groups, records, replays]);
  const nowMs = Date.now();
  const groupList = groups.ok ? groups.value.groups : [];
  const causes = Object.fromEntries(groupList.map((g) => [g.fingerprint, g.cause]));
  const fingerprint = view.filters.fingerprint;

  return (
    <>
      <h1 className="title">Dead letters</h1>
      <p className="muted lede">
        Records the pipeline could not process, grouped by the cause of their failure. Open one to see what
        was sent and why it failed.
      </p>
      <DlqOpenSummary totals={openTotals(openGroups ?? groups)} nowMs={nowMs} />
      <StatusSwitch view={view} />
      {problems.length > 0 && (
        <div className="banner banner-warning" role="status" data-testid="dlq-problems">
          <strong>Some filters were left out:</strong>
          <ul className="activity-problems">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}

      <DiscardFeedback>
        <ReplayRuns
          initialRuns={replays.ok ? replays.value.runs : null}
          initialError={replays.ok ? null : replays.error.message}
          canOperate={canOperate}
        >
          <section className="dlq-section" aria-labelledby="dlq-groups-title">
            <h2 id="dlq-groups-title" className="section-title">
              Groups
            </h2>
            {!groups.ok ? (
              <div className="banner" role="alert" data-testid="processor-error">
                <strong>Could not read the groups.</strong> {groups.error.message}
              </div>
            ) : groupList.length === 0 ? (
              <NoGroups view={view} />
            ) : (
              <DlqGroupsTable groups={groupList} view={view} canOperate={canOperate} />
            )}
          </section>

          <section className="dlq-section" aria-labelledby="dlq-records-title">
            <h2 id="dlq-records-title" className="section-title">
              Records
            </h2>
            <DlqFilters
              values={dlqFormValues(view)}
              groupCause={fingerprint === undefined ? null : (causes[fingerprint] ?? null)}
              errorTypes={[...new Set(groupList.map((g) => g.errorType))].sort()}
              sourceTopics={[...new Set(groupList.flatMap((g) => g.sourceTopics))].sort()}
            />
            {!records.ok ? (
              <div className="banner" role="alert" data-testid="processor-error">
                <strong>Could not read the records.</strong> {records.error.message}
              </div>
            ) : records.value.records.length === 0 ? (
              <p className="panel activity-empty" data-testid="dlq-records-empty">
                {Object.keys(view.filters).length === 0 ? (
                  `No ${view.status} records.`
                ) : (
                  <>
                    No {view.status} records match these filters.{' '}
                    <Link href={dlqHref({ status: view.status, filters: {} })}>Clear the filters</Link>
                  </>
                )}
              </p>
            ) : (
              <DlqRecordsTable
                records={records.value.records}
                view={view}
                canOperate={canOperate}
                causes={causes}
              />
            )}
            {records.ok && (view.cursor !== undefined || records.value.nextCursor !== null) && (
              <nav className="button-row activity-pages" aria-label="Pages of DLQ records">
                {view.cursor !== undefined && (
                  <Link href={newestHref(view)} className="button">
                    Newest
                  </Link>
                )}
                {records.value.nextCursor !== null && (
                  <Link href={olderHref(view, records.value.nextCursor)} className="button" rel="next">
                    Older →
                  </Link>
                )}
              </nav>
            )}
          </section>
        </ReplayRuns>
      </DiscardFeedback>

      {view.id !== undefined && record !== null && (
        <DlqRecordDrawer
          id={view.id}
          answer={
            record.ok ? { ok: true, record: record.value } : { ok: false, message: record.error.message }
          }
          closeHref={closeRecordHref(view)}
          traceTemplate={config().traceUrlTemplate}
        />
      )}
    </>
  );
}

function openTotals(result: ProcessorResult<DlqGroupsResponse>): OpenTotals {
  return result.ok ? { ok: true, value: result.value } : { ok: false, message: result.error.message };
}

/** Which status the groups and records show; the filters are kept across a switch. */
function StatusSwitch({ view }: { view: DlqView }) {
  const statuses: readonly string[] = SWITCH_STATUSES;
  const shown = statuses.includes(view.status) ? SWITCH_STATUSES : [...SWITCH_STATUSES, view.status];
  return (
    <nav className="dlq-status-switch" aria-label="Record status">
      {shown.map((status) => (
        <Link
          key={status}
          href={statusHref(view, status)}
          className="nav-link"
          aria-current={status === view.status ? 'page' : undefined}
        >
          {status}
        </Link>
      ))}
    </nav>
  );
}

/** No group in this status: for open records, what would land here; for others, where to look. */
function NoGroups({ view }: { view: DlqView }) {
  return (
    <div className="panel empty-state activity-empty" data-testid="dlq-groups-empty">
      <h3 className="empty-state-title">No {view.status} records</h3>
      {view.status === 'open' ? (
        <p>
          Nothing waits for triage. A record lands here when the pipeline cannot process it: a value that is
          not JSON, one that breaks the event contract, or a failure that outlasted the retries. They are
          grouped by cause, largest group first, to replay once the cause is fixed or to discard.
        </p>
      ) : (
        <p>
          <Link href={dlqHref({ status: 'open', filters: {} })}>The open records</Link> are the ones waiting
          for triage.
        </p>
      )}
    </div>
  );
}
