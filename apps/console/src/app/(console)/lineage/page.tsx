import type { LineageOccurrence, LineageResponse } from '@dedup/contracts';
import type { Metadata } from 'next';
import Link from 'next/link';
import { backfillHref } from '../../../lib/backfill-view';
import {
  coordinatesText,
  decisionText,
  dlqRecordHref,
  LINEAGE_PATH,
  lineageHref,
  msText,
  originText,
  parseLineageSearch,
  subjectText,
  summaryText,
  traceHref,
  type LineageFormValues,
  type SearchParams,
} from '../../../lib/lineage-view';
import { replayRunHref } from '../../../lib/replay-view';
import { config } from '../../../lib/server/config';
import { partitionHref } from '../../../lib/watermarks-view';
import { searchLineage } from '../../../lib/server/lineage-client';
import { throwIfProcessorUnavailable } from '../../../lib/server/page-errors';
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
  // The processor not answering: the section's error boundary, with Retry (error.tsx).
  if (answer !== null) throwIfProcessorUnavailable([answer]);
  const traceTemplate = config().traceUrlTemplate;
  return (
    <>
      <h1 className="title">Lineage</h1>
      <p className="muted lede">
        Every occurrence of an event: when it arrived, what the pipeline decided and why, and where it went
        from there. Search by event id, by dedup key, or by the topic, partition and offset of one record.
      </p>
      <LineageSearchForm values={search.values} />
      {search.kind === 'empty' && <WhereToStart />}
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

/**
 * A plain GET form: the search lands in the URL. One of the three is enough; the page says so before
 * asking the processor when more than one is filled in.
 */
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
        <label className="field lineage-dedup-key">
          <span className="field-label">Dedup key</span>
          <input
            className="input"
            name="dedupKey"
            defaultValue={values.dedupKey}
            placeholder="e.g. event_id:order-8841"
            maxLength={2000}
            autoComplete="off"
            spellCheck={false}
            aria-describedby="lineage-dedup-key-hint"
          />
          <span id="lineage-dedup-key-hint" className="hint">
            As an occurrence shows it, the strategy first: every record that got this key.
          </span>
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

/** Nothing asked yet: where the three kinds of search come from. */
function WhereToStart() {
  return (
    <section className="panel empty-state" aria-labelledby="lineage-start-title" data-testid="lineage-start">
      <h2 id="lineage-start-title" className="empty-state-title">
        Where to start
      </h2>
      <ul className="empty-state-list">
        <li>
          <strong>An event id</strong> from the ticket, a producer&rsquo;s log or a consumer&rsquo;s
          complaint: every occurrence of it, live and in backfills.
        </li>
        <li>
          <strong>A dedup key</strong>, when records with different ids were treated as one (a key built from
          the payload): every record that got that key. Each occurrence below a search shows its key as a
          link.
        </li>
        <li>
          <strong>A record&rsquo;s topic, partition and offset</strong>, e.g. from a record on the{' '}
          <Link href="/dlq">Dead letters</Link> page, whose drawer links here.
        </li>
      </ul>
    </section>
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
    const byKey = answer.query.dedupKey !== null;
    return (
      <div className="panel lineage-empty" data-testid="lineage-empty">
        <p>
          <strong>
            {byKey ? 'No record with this dedup key in the audit.' : 'No record of this event in the audit.'}
          </strong>
        </p>
        <p className="muted">
          Audit rows are kept for a limited time, so an old event may have been removed by retention. The
          event may also have gone through another pipeline: this console reads one pipeline and its
          backfills.{' '}
          {byKey
            ? 'Check the key: it is matched exactly, the strategy prefix included (event_id:…), as an occurrence shows it.'
            : 'Check the id (it is matched exactly, case included) or search by the record’s coordinates.'}
        </p>
      </div>
    );
  }
  return (
    <section aria-labelledby="lineage-heading">
      <h2 id="lineage-heading" className="lineage-summary">
        {summaryText(answer.occurrences.length, answer.truncated, subjectText(answer))}
      </h2>
      {answer.eventId !== null && answer.query.coordinates !== null && (
        <p className="muted">
          The record at {coordinatesText(answer.query.coordinates)} carries event id{' '}
          <code>{answer.eventId}</code>: every occurrence of it is shown.
        </p>
      )}
      <ol className="lineage-timeline" aria-label="Lineage">
        {answer.occurrences.map((o) => (
          <OccurrenceItem
            key={`${o.pipeline}/${coordinatesText(o.coordinates)}`}
            occurrence={o}
            traceTemplate={traceTemplate}
            asked={answer.query.coordinates}
            askedKey={answer.query.dedupKey}
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
  askedKey,
}: {
  occurrence: LineageOccurrence;
  traceTemplate: string | null;
  asked: LineageResponse['query']['coordinates'];
  askedKey: string | null;
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
          {o.backfillId === null ? (
            originText(o)
          ) : (
            <Link href={backfillHref(o.backfillId)}>{originText(o)}</Link>
          )}
        </span>
      </div>
      <p className="lineage-decision" data-testid="occurrence-decision">
        {decisionText(o)}
      </p>
      <dl className="facts lineage-facts">
        <div>
          <dt>Record</dt>
          <dd>
            <code data-testid="occurrence-coordinates">{coordinatesText(o.coordinates)}</code>{' '}
            <Link
              href={partitionHref(o.coordinates.partition, o.coordinates.topic)}
              className="lineage-partition"
            >
              partition {o.coordinates.partition}&rsquo;s watermark
            </Link>
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
            <dt>Dedup key</dt>
            <dd>
              {o.dedupKey === askedKey ? (
                <code data-testid="occurrence-dedup-key">{o.dedupKey}</code>
              ) : (
                <Link
                  href={lineageHref({ dedupKey: o.dedupKey })}
                  title="Every record that got this dedup key"
                  data-testid="occurrence-dedup-key"
                >
                  <code>{o.dedupKey}</code>
                </Link>
              )}
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
            <Link href={dlqRecordHref(o.dlq.id, o.dlq.status)} className="button button-small">
              DLQ record {o.dlq.id} ({o.dlq.status})
            </Link>
          )}
          {o.replay !== null && (
            <>
              <Link href={replayRunHref(o.replay.runId)} className="button button-small">
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
