'use client';

import { latenessResponseSchema, type LatenessQuery, type LatenessResponse } from '@dedup/contracts';
import Link from 'next/link';
import {
  adviceText,
  filterOptions,
  filterText,
  histogramBins,
  keepText,
  latenessParams,
  lateSummary,
  PERCENTILES,
  percentileText,
  rangeWords,
  stateCostText,
} from '../../../lib/lateness-view';
import { bytesText, formatCount, rateText, ratioText, shortDurationText } from '../../../lib/quantity-view';
import { hrefWith, INSIGHTS_POLL_INTERVAL_MS } from '../../../lib/time-range-view';
import { LocalTime } from '../../local-time';
import { usePolledAnswer } from '../../use-polling';
import { LatenessHistogram } from './lateness-histogram';

interface LatenessLiveProps {
  readonly query: LatenessQuery;
  /** The server-rendered first answer, or null when the processor could not be read. */
  readonly initial: LatenessResponse | null;
  readonly initialError: string | null;
}

/** The lateness over the range and filter in the URL, refreshed every 5 s while the page is open. */
export function LatenessLive({ query, initial, initialError }: LatenessLiveProps) {
  const { data, error } = usePolledAnswer(
    hrefWith('/api/lateness', latenessParams(query)),
    latenessResponseSchema,
    'lateness figures',
    { data: initial, error: initialError },
    INSIGHTS_POLL_INTERVAL_MS,
  );

  return (
    <>
      {error !== null && (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Lateness figures unavailable.</strong> {error}.{' '}
          {data === null
            ? 'Nothing to show yet; retrying every 5 s.'
            : 'Showing the last answer; retrying every 5 s.'}
        </div>
      )}
      {data !== null && <Lateness data={data} query={query} stale={error !== null} />}
    </>
  );
}

function Lateness({ data, query, stale }: { data: LatenessResponse; query: LatenessQuery; stale: boolean }) {
  const bins = histogramBins(data.histogram, data.allowedLatenessMs);
  return (
    <div className={stale ? 'stale' : undefined}>
      <dl className="meta">
        <div>
          <dt>Pipeline</dt>
          <dd>{data.pipeline}</dd>
        </div>
        <div>
          <dt>Partitions</dt>
          <dd data-testid="lateness-filter">{filterText(query)}</dd>
        </div>
        <div>
          <dt>Last updated</dt>
          <dd data-testid="last-updated">
            <LocalTime iso={data.generatedAt} />
          </dd>
        </div>
      </dl>

      <nav aria-label="Partitions">
        <ul className="lateness-filter">
          {filterOptions(data.partitions, query).map((option) => (
            <li key={option.href}>
              <Link
                href={option.href}
                className="filter-link"
                aria-current={option.current ? 'true' : undefined}
                data-testid="partition-filter"
              >
                {option.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>

      <p className="insight-summary" data-testid="late-summary">
        {lateSummary(data)}
      </p>

      <dl className="insight-figures" aria-label="Lateness figures">
        <div>
          <dt>Late records</dt>
          <dd data-testid="late-count">{formatCount(data.late)}</dd>
        </div>
        <div>
          <dt>Late rate</dt>
          <dd data-testid="late-rate">{ratioText(data.lateRate)}</dd>
        </div>
        <div>
          <dt>Behind the watermark</dt>
          <dd data-testid="behind-count">{formatCount(data.behind)}</dd>
        </div>
        <div>
          <dt>Allowed lateness now</dt>
          <dd data-testid="allowed-lateness">{shortDurationText(data.allowedLatenessMs)}</dd>
        </div>
      </dl>

      {data.late === 0 && (
        <div className="panel" data-testid="lateness-empty">
          <p>
            <strong>Nothing was late in {rangeWords(data.range)}.</strong>
          </p>
          <p className="muted">
            {data.behind === 0
              ? 'Every record arrived ahead of the watermark, so there is no lateness to show and nothing to advise.'
              : `Every record behind the watermark was within the allowed lateness (${shortDurationText(data.allowedLatenessMs)}) and was decided normally; there is nothing to advise.`}
          </p>
        </div>
      )}

      {bins.length > 0 && (
        <>
          <LatenessHistogram bins={bins} allowedLatenessMs={data.allowedLatenessMs} />
          <details className="histogram-table">
            <summary>The histogram as a table</summary>
            <table className="table" aria-label="Lateness histogram">
              <thead>
                <tr>
                  <th scope="col">Behind the watermark by</th>
                  <th scope="col" className="num">
                    Kept
                  </th>
                  <th scope="col" className="num">
                    Late
                  </th>
                </tr>
              </thead>
              <tbody>
                {bins.map((bin) => (
                  <tr key={bin.label} data-testid="histogram-row">
                    <th scope="row">{bin.label}</th>
                    <td className="num">{formatCount(bin.kept)}</td>
                    <td className="num" data-testid="histogram-late">
                      {formatCount(bin.late)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}

      <div className="insight-tables">
        <section className="panel" aria-labelledby="percentiles-heading">
          <h2 id="percentiles-heading" className="section-title">
            Percentiles
          </h2>
          <table className="table" aria-label="Lateness percentiles">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col" className="num">
                  All behind the watermark
                </th>
                <th scope="col" className="num">
                  Late only
                </th>
              </tr>
            </thead>
            <tbody>
              {PERCENTILES.map(({ key, label }) => (
                <tr key={key}>
                  <th scope="row">{label}</th>
                  <td className="num" data-testid={`behind-${key}`}>
                    {percentileText(data.percentiles, key)}
                  </td>
                  <td className="num" data-testid={`late-${key}`}>
                    {percentileText(data.latePercentiles, key)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted">
            How far a record&apos;s event time was behind the pipeline watermark when it was decided; within
            about 4.5 % (read from log-spaced buckets).
          </p>
        </section>

        {data.advice.length > 0 && (
          <section className="panel" aria-labelledby="advice-heading" data-testid="lateness-advice">
            <h2 id="advice-heading" className="section-title">
              Allowed lateness: what a longer one would buy
            </h2>
            <ul className="advice-list">
              {data.advice.map((advice) => (
                <li key={advice.keep} data-testid="advice-text">
                  {adviceText(advice, data)}
                </li>
              ))}
            </ul>
            <table className="table" aria-label="Allowed lateness advice">
              <thead>
                <tr>
                  <th scope="col">To keep</th>
                  <th scope="col" className="num">
                    Allowed lateness
                  </th>
                  <th scope="col" className="num">
                    Would keep
                  </th>
                  <th scope="col" className="num">
                    Extra state
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.advice.map((advice) => (
                  <tr key={advice.keep}>
                    <th scope="row">{keepText(advice.keep)} of late</th>
                    <td className="num">{shortDurationText(advice.allowedLatenessMs)}</td>
                    <td className="num">{formatCount(advice.wouldKeep)}</td>
                    <td className="num">{stateCostText(advice)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted">
              The extra state is the dedup rows held for the longer lateness: new keys arrived at{' '}
              {rateText(data.keyRatePerSecond)} over the range, {bytesText(data.bytesPerStateRow)} a row. The
              allowed lateness is set in the pipeline&apos;s semantics (<code>PIPELINE_SEMANTICS</code>).
            </p>
          </section>
        )}
      </div>
      <p className="muted">
        Late records go to the late topic; the <Link href="/lineage">Lineage</Link> page tells the story of
        one by its event id.
      </p>
    </div>
  );
}
