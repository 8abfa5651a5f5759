import type { LineageOccurrence, LineageResponse } from '@dedup/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import {
  coordinatesText,
  decisionText,
  dlqRecordHref,
  LINEAGE_PATH,
  lineageHref,
  msText,
  originText,
  parseLineageSearch,
  replayRunHref,
  summaryText,
  traceHref,
  type LineageFormValues,
  type SearchParams,
} from '../../../lib/lineage-view';
import { config } from '../../../lib/server/config';
import { searchLineage } from '../../../lib/server/lineage-client';
import { requirePageSession } from '../../../lib/server/page-session';
import { LocalTime } from '../../local-time';

export const metadata: Metadata = { title: 'Lineage · Dedup operator' };

// Read per request: the audit grows while on-call looks.
export const dynamic = 'force-dynamic';

interface LineagePageProps {
  searchParams: Promise<SearchParams>;
}

/**
 * "Why was this event dropped?": an event id, or the coordinates of one record, and the timeline of
 * every occurrence of that event the pipeline and its backfills decided. The search is in the URL,
 * so a ticket can link to the answer; one server round trip per view.
 */
export default async function LineagePage({ searchParams }: LineagePageProps) {
  const caller = await requirePageSession();
  const search = parseLineageSearch(await searchParams);
  const answer = search.kind === 'search' ? await searchLineage(caller, search.query) : null;
  const traceTemplate = config().traceUrlTemplate;
  return (
    <>
      <h1 className="title">Lineage</h1>
      <p className="muted lede">
        Every occurrence of an event: when it arrived, what the pipeline decided and why, and where it went
        from there. Search by event id, or by the topic, partition and offset of one record.
      </p>
      <LineageSearchForm values={search.values} />
      {search.kind === 'invalid' && (
        <div className="banner banner-warning" role="alert" data-testid="lineage-problems">
          <strong>Not searched:</strong>
          <ul className="activity-problems">
            {search.problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      )}
      {answer !== null &&
        (answer.ok ? (
          <LineageTimeline answer={answer.value} traceTemplate={traceTemplate} />
        ) : (
          <div className="banner" role="alert" data-testid="processor-error">
            <strong>Could not read the lineage.</strong> {answer.error.message}
          </div>
        ))}
    </>
  );
}

/** A plain GET form: the search lands in the URL. Either field set is enough; the server says if both. */
function LineageSearchForm({ values }: { values: LineageFormValues }) {
  return (
    <form method="get" action={LINEAGE_PATH} className="panel lineage-search" aria-label="Search lineage">
      <div className="field-grid">
        <label className="field lineage-event-id">
          <span className="field-label">Event id</span>
          <input
            className="input"
            name="eventId"
            defaultValue={values.eventId}
            placeholder="e.g. order-8841"
            maxLength={500}
            autoComplete="off"
          />
        </label>
      </div>
      <p className="muted lineage-or">or the record&rsquo;s coordinates</p>
      <div className="field-grid">
        <label className="field">
          <span className="field-label">Topic</span>
          <input
            className="input"
            name="topic"
            defaultValue={values.topic}
            placeholder="events.raw"
            maxLength={249}
          />
        </label>
        <label className="field">
          <span className="field-label">Partition</span>
          <input
            className="input"
            name="partition"
            defaultValue={values.partition}
            inputMode="numeric"
            pattern="\d*"
          />
        </label>
        <label className="field">
          <span className="field-label">Offset</span>
          <input
            className="input"
            name="offset"
            defaultValue={values.offset}
            inputMode="numeric"
            pattern="\d*"
          />
        </label>
      </div>
      <div className="button-row">
        <button type="submit" className="button button-primary">
          Search
        </button>
        <Link href={LINEAGE_PATH} className="button">
          Clear
        </Link>
      </div>
    </form>
  );
}

function LineageTimeline({
  answer,
  traceTemplate,
}: {
  answer: LineageResponse;
  traceTemplate: string | null;
}) {
  if (answer.occurrences.length === 0) {
    return (
      <div className="panel lineage-empty" data-testid="lineage-empty">
        <p>
          <strong>No record of this event in the audit.</strong>
        </p>
        <p className="muted">
          Audit rows are kept for a limited time, so an old event may have been removed by retention. The
          event may also have gone through another pipeline: this console reads one pipeline and its
          backfills. Check the id (it is matched exactly, case included) or search by the record&rsquo;s
          coordinates.
        </p>
      </div>
    );
  }
  return (
    <section aria-labelledby="lineage-heading">
      <h2 id="lineage-heading" className="lineage-summary">
        {summaryText(answer.occurrences.length, answer.truncated, answer.eventId)}
      </h2>
      {answer.eventId !== null && answer.query.eventId === null && (
        <p className="muted">
          The record at {answer.query.coordinates === null ? '' : coordinatesText(answer.query.coordinates)}{' '}
          carries event id <code>{answer.eventId}</code>: every occurrence of it is shown.
        </p>
      )}
      <ol className="lineage-timeline" aria-label="Lineage">
        {answer.occurrences.map((o) => (
          <OccurrenceItem
            key={`${o.pipeline}/${coordinatesText(o.coordinates)}`}
            occurrence={o}
            traceTemplate={traceTemplate}
            asked={answer.query.coordinates}
          />
        ))}
      </ol>
    </section>
  );
}

function OccurrenceItem({
  occurrence: o,
  traceTemplate,
  asked,
}: {
  occurrence: LineageOccurrence;
  traceTemplate: string | null;
  asked: LineageResponse['query']['coordinates'];
}) {
  const trace = traceHref(traceTemplate, o.traceId);
  const isAsked =
    asked !== null &&
    asked.topic === o.coordinates.topic &&
    asked.partition === o.coordinates.partition &&
    asked.offset === o.coordinates.offset;
  return (
    <li
      className={`lineage-occurrence lineage-${o.outcome}`}
      data-testid="occurrence"
      data-outcome={o.outcome}
      aria-current={isAsked ? 'true' : undefined}
    >
      <div className="lineage-head">
        <LocalTime iso={o.processedAt} show="datetime" />
        <span className={`status lineage-${o.outcome}`}>{o.outcome}</span>
        {o.approximate && <span className="status">approximate</span>}
        <span className="lineage-origin" data-testid="occurrence-origin">
          {originText(o)}
        </span>
      </div>
      <p className="lineage-decision" data-testid="occurrence-decision">
        {decisionText(o)}
      </p>
      <dl className="facts lineage-facts">
        <div>
          <dt>Record</dt>
          <dd>
            <code data-testid="occurrence-coordinates">{coordinatesText(o.coordinates)}</code>
          </dd>
        </div>
        {o.firstOccurrence !== null && (
          <div>
            <dt>First occurrence</dt>
            <dd>
              <Link href={lineageHref(o.firstOccurrence)}>
                <code>{coordinatesText(o.firstOccurrence)}</code>
              </Link>
            </dd>
          </div>
        )}
        <div>
          <dt>Event time</dt>
          <dd>{o.eventTime === null ? '–' : <LocalTime iso={o.eventTime} show="datetime" />}</dd>
        </div>
        <div>
          <dt>Watermark</dt>
          <dd>
            {o.watermark === null ? '–' : <LocalTime iso={o.watermark} show="datetime" />}
            {o.latenessMs !== null && ` (${msText(o.latenessMs)} behind)`}
          </dd>
        </div>
        {o.dedupKey !== null && (
          <div>
            <dt>Key</dt>
            <dd>
              <code>{o.dedupKey}</code>
            </dd>
          </div>
        )}
        <div>
          <dt>Trace</dt>
          <dd className="lineage-trace">
            {o.traceId === null ? (
              '–'
            ) : trace === null ? (
              <code>{o.traceId}</code>
            ) : (
              <a href={trace} target="_blank" rel="noreferrer">
                <code>{o.traceId}</code>
              </a>
            )}
          </dd>
        </div>
        <div>
          <dt>Pipeline version</dt>
          <dd>{o.pipelineVersion}</dd>
        </div>
      </dl>
      {(o.dlq !== null || o.replay !== null) && (
        <p className="lineage-links">
          {o.dlq !== null && (
            <Link href={dlqRecordHref(o.dlq.id)} className="button button-small">
              DLQ record {o.dlq.id} ({o.dlq.status})
            </Link>
          )}
          {o.replay !== null && (
            <>
              <Link href={replayRunHref()} className="button button-small">
                Sent back by replay run {o.replay.runId}
              </Link>
              <Link href={dlqRecordHref(o.replay.dlqId)} className="button button-small">
                Replayed from DLQ record {o.replay.dlqId}
              </Link>
            </>
          )}
        </p>
      )}
    </li>
  );
}
