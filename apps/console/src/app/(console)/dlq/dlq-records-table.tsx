'use client';

import type { DlqRecordSummary } from '@dedup/contracts';
import Link from 'next/link';
import { useState } from 'react';
import {
  isDiscardable,
  previewText,
  recordHref,
  recordsText,
  selectedQuestion,
  selectedScope,
  type DlqView,
} from '../../../lib/dlq-view';
import { selectedReplaySelection } from '../../../lib/replay-view';
import { partitionHref } from '../../../lib/watermarks-view';
import { LocalTime } from '../../local-time';
import { DiscardDialog } from './discard-dialog';
import { useDiscardFeedback } from './discard-feedback';
import { ReplayDialog } from './replay-dialog';
import { useHydrated } from './use-hydrated';

interface DlqRecordsTableProps {
  records: readonly DlqRecordSummary[];
  view: DlqView;
  /**
   * Operators get a checkbox per open or quarantined row, "Replay selected…" and "Discard
   * selected…"; viewers none of them.
   */
  canOperate: boolean;
  /** Each group's cause by fingerprint, to state a replay's or a discard's scope in words. */
  causes: Readonly<Record<string, string>>;
}

/** One page of records; the id opens the record in the drawer (`?id=`), filters kept. */
export function DlqRecordsTable({ records, view, canOperate, causes }: DlqRecordsTableProps) {
  const hydrated = useHydrated();
  const report = useDiscardFeedback();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<'replay' | 'discard' | null>(null);

  // Replay and discard take the same statuses (open, quarantined); the replay preview counts exactly.
  const selectable = canOperate ? records.filter((r) => isDiscardable(r.status)) : [];
  // Rows a refresh removed (discarded elsewhere, another page) drop out of the selection.
  const chosen = selectable.filter((r) => selected.has(r.id));
  const allChosen = selectable.length > 0 && chosen.length === selectable.length;

  const toggle = (id: string, on: boolean): void => {
    setSelected((previous) => {
      const next = new Set(previous);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };

  return (
    <>
      {selectable.length > 0 && (
        <div className="dlq-selection-bar">
          <span className="muted" data-testid="dlq-selected-count">
            {chosen.length === 0
              ? 'Select records to replay or discard them.'
              : `${recordsText(chosen.length)} selected`}
          </span>
          <button
            type="button"
            className="button button-small"
            disabled={!hydrated || chosen.length === 0}
            onClick={() => {
              report(null);
              setDialog('replay');
            }}
          >
            Replay selected…
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={!hydrated || chosen.length === 0}
            onClick={() => {
              report(null);
              setDialog('discard');
            }}
          >
            Discard selected…
          </button>
        </div>
      )}
      <div className="table-scroll">
        <table className="table dlq-table" aria-label="DLQ records">
          <thead>
            <tr>
              {canOperate && (
                <th scope="col" className="dlq-check">
                  {selectable.length > 0 && (
                    <input
                      type="checkbox"
                      aria-label="Select all records on this page"
                      checked={allChosen}
                      disabled={!hydrated}
                      onChange={(event) =>
                        setSelected(new Set(event.target.checked ? selectable.map((r) => r.id) : []))
                      }
                    />
                  )}
                </th>
              )}
              <th scope="col" className="num">
                Id
              </th>
              <th scope="col">Last failure</th>
              <th scope="col">Error</th>
              <th scope="col">Source</th>
              <th scope="col" className="num">
                Attempts
              </th>
              <th scope="col">Status</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {records.map((record) => (
              <tr
                key={record.id}
                className={record.id === view.id ? 'dlq-row-open' : undefined}
                data-testid={`dlq-record-${record.id}`}
              >
                {canOperate && (
                  <td className="dlq-check">
                    {isDiscardable(record.status) && (
                      <input
                        type="checkbox"
                        aria-label={`Select record ${record.id}`}
                        checked={selected.has(record.id)}
                        disabled={!hydrated}
                        onChange={(event) => toggle(record.id, event.target.checked)}
                      />
                    )}
                  </td>
                )}
                <td className="num">
                  <Link
                    href={recordHref(view, record.id)}
                    scroll={false}
                    title="Open this record"
                    data-record-link={record.id}
                  >
                    {record.id}
                  </Link>
                </td>
                <td className="activity-when">
                  <LocalTime iso={record.lastFailureAt} show="datetime" />
                </td>
                <td className="dlq-error">
                  <code>{record.errorType}</code>
                  <span className="activity-sub">{record.errorMessage}</span>
                </td>
                <td className="dlq-coords">
                  {record.sourceTopic}
                  <span className="activity-sub">
                    <Link
                      href={partitionHref(record.sourcePartition, record.sourceTopic)}
                      title={`Partition ${record.sourcePartition}'s watermark`}
                    >
                      partition {record.sourcePartition}
                    </Link>{' '}
                    · offset {record.sourceOffset}
                  </span>
                </td>
                <td className="num">{record.attempts}</td>
                <td>
                  <span className={`status dlq-status-${record.status}`}>{record.status}</span>
                </td>
                <td className="dlq-preview">
                  <code>{previewText(record.valuePreview)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {dialog === 'replay' && chosen.length > 0 && (
        <ReplayDialog
          title={`Replay ${selectedScope(chosen, (fingerprint) => causes[fingerprint])}`}
          selection={selectedReplaySelection(chosen.map((r) => r.id))}
          onClose={() => setDialog(null)}
          onStarted={() => setSelected(new Set())}
        />
      )}
      {dialog === 'discard' && chosen.length > 0 && (
        <DiscardDialog
          question={selectedQuestion(chosen, (fingerprint) => causes[fingerprint])}
          hint="Only records still open or quarantined are discarded. The reason is kept with each record and in the action log."
          confirmLabel={`Discard ${recordsText(chosen.length)}`}
          selection={{ ids: chosen.map((r) => r.id) }}
          asked={chosen.length}
          onClose={() => setDialog(null)}
          onDiscarded={() => setSelected(new Set())}
        />
      )}
    </>
  );
}
