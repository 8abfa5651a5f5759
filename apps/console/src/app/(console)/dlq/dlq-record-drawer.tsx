import type { DlqRecord } from '@dedup/contracts';
import Link from 'next/link';
import { valueView, type ValueView } from '../../../lib/dlq-view';
import { lineageHref, traceHref } from '../../../lib/lineage-view';
import { partitionHref } from '../../../lib/watermarks-view';
import { LocalTime } from '../../local-time';
import { DrawerFrame } from './drawer-frame';

type RecordAnswer = { ok: true; record: DlqRecord } | { ok: false; message: string };

interface DlqRecordDrawerProps {
  id: string;
  answer: RecordAnswer;
  closeHref: string;
  /** TRACE_URL_TEMPLATE: the trace id becomes a link to the tracing UI when set. */
  traceTemplate: string | null;
}

/** One record whole, over the lists (`?id=` in the URL): what was sent, why it failed, what became of it. */
export function DlqRecordDrawer({ id, answer, closeHref, traceTemplate }: DlqRecordDrawerProps) {
  return (
    <DrawerFrame id={id} closeHref={closeHref}>
      {answer.ok ? (
        <RecordDetails record={answer.record} traceTemplate={traceTemplate} />
      ) : (
        <div className="banner" role="alert" data-testid="dlq-record-error">
          <strong>Could not read record {id}.</strong> {answer.message}
        </div>
      )}
    </DrawerFrame>
  );
}

function RecordDetails({ record, traceTemplate }: { record: DlqRecord; traceTemplate: string | null }) {
  const trace = traceHref(traceTemplate, record.traceId);
  const headers = Object.entries(record.headers);
  return (
    <>
      <dl className="dlq-facts">
        <dt>Status</dt>
        <dd>
          <span className={`status dlq-status-${record.status}`}>{record.status}</span>
          {record.statusChangedAt !== null && (
            <>
              {' '}
              since <LocalTime iso={record.statusChangedAt} show="datetime" />
            </>
          )}
          {record.statusChangedBy !== null && <> by {record.statusChangedBy}</>}
          {record.statusReason !== null && (
            <span className="activity-sub">Reason: {record.statusReason}</span>
          )}
        </dd>
        <dt>Error</dt>
        <dd>
          <code>{record.errorType}</code>
          <span className="dlq-message">{record.errorMessage}</span>
        </dd>
        <dt>Cause</dt>
        <dd>
          {record.cause} <span className="activity-sub activity-id">group {record.fingerprint}</span>
        </dd>
        <dt>Source</dt>
        <dd className="dlq-coords">
          topic {record.sourceTopic}, partition {record.sourcePartition}, offset {record.sourceOffset}
          <span className="dlq-source-links">
            <Link
              href={lineageHref({
                topic: record.sourceTopic,
                partition: record.sourcePartition,
                offset: record.sourceOffset,
              })}
              data-testid="dlq-record-lineage"
            >
              Lineage of this record
            </Link>{' '}
            ·{' '}
            <Link href={partitionHref(record.sourcePartition, record.sourceTopic)}>
              partition {record.sourcePartition}&rsquo;s watermark
            </Link>
          </span>
        </dd>
        <dt>Attempts</dt>
        <dd>{record.attempts}</dd>
        <dt>First failure</dt>
        <dd>
          <LocalTime iso={record.firstFailureAt} show="datetime" />
        </dd>
        <dt>Last failure</dt>
        <dd>
          <LocalTime iso={record.lastFailureAt} show="datetime" />
        </dd>
        <dt>Pipeline</dt>
        <dd>
          {record.pipeline} <span className="muted">version {record.pipelineVersion}</span>
        </dd>
        <dt>Trace id</dt>
        <dd className="dlq-coords">
          {trace === null ? (
            (record.traceId ?? '–')
          ) : (
            <a href={trace} target="_blank" rel="noreferrer">
              {record.traceId}
            </a>
          )}
        </dd>
      </dl>

      <h3 className="dlq-drawer-subtitle">Value</h3>
      <ValueBlock view={valueView(record)} />

      <h3 className="dlq-drawer-subtitle">Key</h3>
      {record.key !== null ? (
        <pre className="dlq-value">{record.key}</pre>
      ) : record.keyBase64 !== null ? (
        <>
          <p className="hint">Not UTF-8: base64.</p>
          <pre className="dlq-value">{record.keyBase64}</pre>
        </>
      ) : (
        <p className="muted">No key.</p>
      )}

      <h3 className="dlq-drawer-subtitle">Headers</h3>
      {headers.length === 0 ? (
        <p className="muted">No headers.</p>
      ) : (
        <table className="table dlq-headers" aria-label={`Headers of record ${record.id}`}>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {headers.map(([name, value]) => (
              <tr key={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td className="dlq-coords">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** JSON pretty-printed with the fields the error names marked; other text as is; bytes as base64. */
function ValueBlock({ view }: { view: ValueView }) {
  switch (view.kind) {
    case 'none':
      return <p className="muted">No value (the record was empty).</p>;
    case 'base64':
      return (
        <>
          <p className="hint">Not UTF-8: base64.</p>
          <pre className="dlq-value">{view.text}</pre>
        </>
      );
    case 'text':
      return (
        <>
          <p className="hint">Not JSON: as sent.</p>
          <pre className="dlq-value" data-testid="dlq-value">
            {view.text}
          </pre>
        </>
      );
    case 'json':
      return (
        <>
          <pre className="dlq-value" data-testid="dlq-value">
            {view.lines.map((line, i) =>
              line.invalid === null ? (
                <span key={i} className="dlq-line">
                  {line.text}
                </span>
              ) : (
                <span key={i} className="dlq-line dlq-line-invalid" data-invalid="true">
                  {line.text}
                  <span className="dlq-invalid-note"> invalid: {line.invalid}</span>
                </span>
              ),
            )}
          </pre>
          {view.truncated && <p className="hint">Cut after {view.lines.length} lines.</p>}
          {view.missing.length > 0 && (
            <p className="dlq-missing" data-invalid="true">
              invalid: {view.missing.join(', ')} (not in the value)
            </p>
          )}
        </>
      );
  }
}
