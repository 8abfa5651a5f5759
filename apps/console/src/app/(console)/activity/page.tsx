import { ACTION_RESULTS, type OperatorAction } from '@dedup/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import {
  ACTIVITY_PATH,
  activityFormValues,
  datetimeInputStep,
  LOGGED_ACTIONS,
  newestHref,
  olderHref,
  parseActivityQuery,
  type ActivityFormValues,
  type ActivityQuery,
  targetHref,
  type SearchParams,
} from '../../../lib/activity-query';
import { callApi } from '../../../lib/server/api-client';
import { throwIfProcessorUnavailable } from '../../../lib/server/page-errors';
import { requirePageSession } from '../../../lib/server/page-session';
import { LocalTime } from '../../local-time';

export const metadata: Metadata = { title: 'Activity · Dedup operator' };

// The log is read per request: a prerendered page would be stale from the start.
export const dynamic = 'force-dynamic';

interface ActivityPageProps {
  searchParams: Promise<SearchParams>;
}

/** The operator action log: filters and page in the URL, one server round trip per view. */
export default async function ActivityPage({ searchParams }: ActivityPageProps) {
  const caller = await requirePageSession();
  const { query, problems } = parseActivityQuery(await searchParams);
  const answer = await callApi(caller, 'actions.list', { query }, { what: 'actions', timeoutMs: 3000 });
  // The processor not answering: the section's error boundary, with Retry (error.tsx).
  throwIfProcessorUnavailable([answer]);
  return (
    <>
      <h1 className="title">Activity</h1>
      <p className="muted lede">
        Every call that changes something or previews a change, allowed, refused and failed alike, and what
        the processor did on its own. Newest first.
      </p>
      <ActivityFilters values={activityFormValues(query)} />
      {problems.length > 0 && (
        <div className="banner banner-warning" role="status" data-testid="activity-problems">
          <strong>Some filters were left out:</strong>
          <ul className="activity-problems">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}
      {answer.ok ? (
        <ActionsPage actions={answer.value.actions} nextCursor={answer.value.nextCursor} query={query} />
      ) : (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Could not read the action log.</strong> {answer.error.message}
        </div>
      )}
    </>
  );
}

/**
 * A plain GET form: submitting it puts the filters in the URL and starts at the newest page (no
 * cursor). `datetime-local` sends no offset and the server cannot know the browser's, so From and To
 * are UTC, and the labels say so.
 */
function ActivityFilters({ values }: { values: ActivityFormValues }) {
  // A value from a link that is not one of the choices (an action the system took) stays selectable.
  const actions: readonly string[] =
    values.action === '' || LOGGED_ACTIONS.some((id) => id === values.action)
      ? LOGGED_ACTIONS
      : [...LOGGED_ACTIONS, values.action];
  return (
    <form method="get" action={ACTIVITY_PATH} className="panel activity-filters" aria-label="Filter actions">
      <div className="field-grid">
        <label className="field">
          <span className="field-label">Who</span>
          <input
            className="input"
            name="actor"
            defaultValue={values.actor}
            placeholder="local:alice, token:3 or a name"
            maxLength={200}
            autoComplete="off"
          />
        </label>
        <label className="field">
          <span className="field-label">Action</span>
          <select className="input" name="action" defaultValue={values.action}>
            <option value="">any</option>
            {actions.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Result</span>
          <select className="input" name="result" defaultValue={values.result}>
            <option value="">any</option>
            {ACTION_RESULTS.map((result) => (
              <option key={result} value={result}>
                {result}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">From (UTC, inclusive)</span>
          <input
            className="input"
            type="datetime-local"
            name="from"
            defaultValue={values.from}
            step={datetimeInputStep(values.from)}
          />
        </label>
        <label className="field">
          <span className="field-label">To (UTC, exclusive)</span>
          <input
            className="input"
            type="datetime-local"
            name="to"
            defaultValue={values.to}
            step={datetimeInputStep(values.to)}
          />
        </label>
      </div>
      {values.limit !== '' && <input type="hidden" name="limit" value={values.limit} />}
      <div className="button-row">
        <button type="submit" className="button button-primary">
          Filter
        </button>
        <Link href={ACTIVITY_PATH} className="button">
          Clear
        </Link>
      </div>
    </form>
  );
}

interface ActionsPageProps {
  actions: readonly OperatorAction[];
  nextCursor: string | null;
  query: ActivityQuery;
}

function ActionsPage({ actions, nextCursor, query }: ActionsPageProps) {
  const paged = query.cursor !== undefined;
  return (
    <>
      {actions.length === 0 ? (
        <NoActions filtered={isFiltered(query)} />
      ) : (
        <div className="table-scroll">
          <table className="table activity-table" aria-label="Operator actions">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Result</th>
                <th scope="col" className="num">
                  Status
                </th>
                <th scope="col">Dry run</th>
                <th scope="col">Error</th>
                <th scope="col">Request id</th>
                <th scope="col">Trace id</th>
              </tr>
            </thead>
            <tbody>
              {actions.map((action) => (
                <ActionRow key={action.id} action={action} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(paged || nextCursor !== null) && (
        <nav className="button-row activity-pages" aria-label="Pages of actions">
          {paged && (
            <Link href={newestHref(query)} className="button">
              Newest
            </Link>
          )}
          {nextCursor !== null && (
            <Link href={olderHref(query, nextCursor)} className="button" rel="next">
              Older →
            </Link>
          )}
        </nav>
      )}
    </>
  );
}

function ActionRow({ action }: { action: OperatorAction }) {
  const who = action.actorName ?? action.actor ?? 'unknown';
  const target = targetHref(action.target);
  return (
    <tr>
      <td className="activity-when">
        <LocalTime iso={action.at} show="datetime" />
      </td>
      <td>
        <span title={action.actor ?? undefined}>{who}</span>
        <span className="activity-sub">
          {action.actorKind}
          {action.role === null ? '' : ` · ${action.role}`}
        </span>
      </td>
      <td>
        <code>{action.action}</code>
        {action.method !== null && action.path !== null && (
          <span className="activity-sub activity-id">
            {action.method} {action.path}
          </span>
        )}
      </td>
      <td>
        {target === null ? (
          <code>{action.target}</code>
        ) : (
          <Link href={target}>
            <code>{action.target}</code>
          </Link>
        )}
        <details className="activity-details">
          <summary>Details</summary>
          <pre>{JSON.stringify(action.details, null, 2)}</pre>
        </details>
      </td>
      <td data-testid="action-result">
        <span className={`status result-${action.result}`}>{action.result}</span>
      </td>
      <td className="num">{action.statusCode ?? '–'}</td>
      <td>{action.dryRun ? 'yes' : 'no'}</td>
      <td className="activity-error">{action.error ?? ''}</td>
      <td className="activity-id">{action.requestId ?? '–'}</td>
      <td className="activity-id">{action.traceId ?? '–'}</td>
    </tr>
  );
}

function isFiltered(query: ActivityQuery): boolean {
  return [query.actor, query.action, query.result, query.from, query.to].some((v) => v !== undefined);
}

/** Nothing logged, or nothing that matches: what would be here, and the way back to everything. */
function NoActions({ filtered }: { filtered: boolean }) {
  return (
    <div className="panel empty-state activity-empty" data-testid="activity-empty">
      {filtered ? (
        <p>
          No actions match these filters. <Link href={ACTIVITY_PATH}>Clear the filters</Link> to see every
          action, newest first.
        </p>
      ) : (
        <>
          <h2 className="empty-state-title">No actions logged yet</h2>
          <p>
            Every change made from the console or the API lands here, allowed, refused or failed: backfills
            started, paused or cancelled, DLQ records replayed or discarded, and their previews, with who made
            them and the processor&rsquo;s answer; and what the processor did on its own.
          </p>
        </>
      )}
    </div>
  );
}
