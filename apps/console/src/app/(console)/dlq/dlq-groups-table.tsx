import type { DlqGroup, DlqStatus } from '@dedup/contracts';
import Link from 'next/link';
import { formatCount } from '../../../lib/backfill-view';
import { groupRecordsHref, isDiscardable, recordHref, type DlqView } from '../../../lib/dlq-view';
import { isReplayable } from '../../../lib/replay-view';
import { LocalTime } from '../../local-time';
import { DiscardGroupButton } from './discard-group-button';
import { ReplayGroupButton } from './replay-group-button';
import { Sparkline } from './sparkline';

interface DlqGroupsTableProps {
  groups: readonly DlqGroup[];
  view: DlqView;
  /**
   * Operators get "Replay group…" and "Discard group…" on groups of open or quarantined records;
   * viewers nothing.
   */
  canOperate: boolean;
}

/** The records of one status grouped by the fingerprint of their cause, largest group first. */
export function DlqGroupsTable({ groups, view, canOperate }: DlqGroupsTableProps) {
  const status: DlqStatus = view.status;
  const discardable = canOperate && isDiscardable(status);
  const replayable = canOperate && isReplayable(status);
  return (
    <div className="table-scroll">
      <table className="table dlq-table" aria-label="DLQ groups">
        <thead>
          <tr>
            <th scope="col">Cause</th>
            <th scope="col">Error type</th>
            <th scope="col" className="num">
              Records
            </th>
            <th scope="col">First / last seen</th>
            <th scope="col">Last 24 h</th>
            <th scope="col">Source topics</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => (
            <tr
              key={group.fingerprint}
              className={view.filters.fingerprint === group.fingerprint ? 'dlq-row-open' : undefined}
              data-testid={`dlq-group-${group.fingerprint}`}
            >
              <th scope="row" className="dlq-cause">
                <span>{group.cause}</span>
                <span className="activity-sub" title="The newest record's message">
                  e.g. {group.sampleMessage}
                </span>
              </th>
              <td>
                <code>{group.errorType}</code>
              </td>
              <td className="num" data-testid="dlq-group-count">
                {formatCount(group.count)}
              </td>
              <td className="activity-when">
                <LocalTime iso={group.firstFailureAt} show="datetime" />
                <span className="activity-sub">
                  <LocalTime iso={group.lastFailureAt} show="datetime" />
                </span>
              </td>
              <td>
                <Sparkline counts={group.lastDay} />
              </td>
              <td className="dlq-coords dlq-topics">{group.sourceTopics.join(', ')}</td>
              <td>
                <div className="dlq-actions">
                  <Link href={groupRecordsHref(view, group.fingerprint)} className="button button-small">
                    Show records
                  </Link>
                  <Link
                    href={recordHref(view, group.sampleId)}
                    scroll={false}
                    className="button button-small"
                  >
                    Open example
                  </Link>
                  {replayable && <ReplayGroupButton group={group} status={status} />}
                  {discardable && <DiscardGroupButton group={group} status={status} />}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
