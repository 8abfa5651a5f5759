'use client';

import {
  exactlyOnceResponseSchema,
  OUTCOMES,
  overviewResponseSchema,
  watermarksResponseSchema,
  type ExactlyOnceResponse,
  type OverviewResponse,
  type WatermarksResponse,
} from '@dedup/contracts';
import type { ReactNode } from 'react';
import {
  averageThroughput,
  hasSamples,
  OUTCOME_LABELS,
  outcomeShare,
  overviewRows,
  rangeDuplicateRatio,
  seriesSummary,
  totalDecided,
  type OverviewRow,
} from '../../lib/overview-view';
import {
  countText,
  formatCount,
  rateText,
  ratioText,
  secondsText,
  shortDurationText,
} from '../../lib/quantity-view';
import { hrefWith, INSIGHTS_POLL_INTERVAL_MS, rangeCaption, type TimeRange } from '../../lib/time-range-view';
import { STRIP_QUERY } from '../../lib/watermarks-view';
import { LocalTime } from '../local-time';
import { TimeChart, type ChartSeries } from '../time-chart';
import { usePolledAnswer, type PolledAnswer } from '../use-polling';
import { ExactlyOnceTile } from './exactly-once-tile';
import { OverviewPartitions } from './overview-partitions';

type Loaded<T> = PolledAnswer<T>;

interface OverviewLiveProps {
  readonly range: TimeRange;
  readonly initial: Loaded<OverviewResponse>;
  readonly initialExactlyOnce: Loaded<ExactlyOnceResponse>;
  /** The input partitions now (the range does not apply to them). */
  readonly initialWatermarks: Loaded<WatermarksResponse>;
  /** The DLQ tile, rendered by the server (it reads the DLQ's exact open count). */
  readonly dlqTile: ReactNode;
}

/**
 * The overview over one range, refreshed every 5 s while the page is open: totals by outcome, the
 * figures of now (consumer lag, dead letters, exactly-once health), each input partition's state
 * (linking to its watermark row), then the charts. Headline numbers
 * are text with stable test ids; the last good answer stays on screen, dimmed, while a poll fails.
 */
export function OverviewLive({
  range,
  initial,
  initialExactlyOnce,
  initialWatermarks,
  dlqTile,
}: OverviewLiveProps) {
  const overview = usePolledAnswer(
    `/api/overview?range=${range}`,
    overviewResponseSchema,
    'overview',
    initial,
    INSIGHTS_POLL_INTERVAL_MS,
  );
  const exactlyOnce = usePolledAnswer(
    `/api/exactly-once?range=${range}`,
    exactlyOnceResponseSchema,
    'exactly-once health',
    initialExactlyOnce,
    INSIGHTS_POLL_INTERVAL_MS,
  );
  const watermarks = usePolledAnswer(
    hrefWith('/api/watermarks', STRIP_QUERY),
    watermarksResponseSchema,
    'watermarks',
    initialWatermarks,
    INSIGHTS_POLL_INTERVAL_MS,
  );

  const data = overview.data;
  const stale = overview.error !== null;
  return (
    <>
      <dl className="meta">
        <div>
          <dt>Pipeline</dt>
          <dd data-testid="pipeline-name">{data?.pipeline ?? '–'}</dd>
        </div>
        <div>
          <dt>Range</dt>
          <dd data-testid="range-caption">
            {data === null ? '–' : rangeCaption(data.range, data.stepSeconds)}
          </dd>
        </div>
        <div>
          <dt>Last updated</dt>
          <dd data-testid="last-updated">{data === null ? '–' : <LocalTime iso={data.generatedAt} />}</dd>
        </div>
      </dl>

      {overview.error !== null && (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Overview unavailable.</strong> {overview.error}.{' '}
          {data === null
            ? 'No numbers yet; retrying every 5 s.'
            : 'Showing the last good numbers; retrying every 5 s.'}
        </div>
      )}

      <OutcomeTotals data={data} stale={stale} />

      <section className={stale ? 'headline stale' : 'headline'} aria-label="Now">
        <article className="tile tile-duplicate" title="duplicate / (unique + duplicate), over the range">
          <h2 className="tile-label">Duplicate ratio</h2>
          <p className="tile-total" data-testid="duplicate-ratio">
            {data === null ? '–' : ratioText(rangeDuplicateRatio(data.totals))}
          </p>
          <p className="tile-recent">duplicate / (unique + duplicate)</p>
        </article>
        <article className="tile tile-neutral" title="Decided records per second, averaged over the range">
          <h2 className="tile-label">Throughput</h2>
          <p className="tile-total" data-testid="throughput-average">
            {data === null ? '–' : rateText(averageThroughput(data))}
          </p>
          <p className="tile-recent">
            <span data-testid="total-decided">
              {data === null ? '–' : formatCount(totalDecided(data.totals))}
            </span>{' '}
            decided
          </p>
        </article>
        <article
          className="tile tile-late"
          title="Records behind the end of the input partitions, latest sample"
        >
          <h2 className="tile-label">Consumer lag</h2>
          <p className="tile-total" data-testid="current-lag">
            {countText(data?.current.consumerLag ?? null)}
          </p>
          <p className="tile-recent">{sampledText(data)}</p>
        </article>
        {dlqTile}
        <ExactlyOnceTile data={exactlyOnce.data} error={exactlyOnce.error} />
      </section>

      <OverviewPartitions data={watermarks.data} error={watermarks.error} />

      {data !== null && <OverviewCharts data={data} stale={stale} />}
    </>
  );
}

function sampledText(data: OverviewResponse | null): ReactNode {
  if (data === null) return 'records behind';
  if (data.current.sampledAt === null) return 'no sample in the last minute';
  return (
    <>
      records behind, at <LocalTime iso={data.current.sampledAt} />
    </>
  );
}

function OutcomeTotals({ data, stale }: { data: OverviewResponse | null; stale: boolean }) {
  return (
    <section className={stale ? 'tiles stale' : 'tiles'} aria-label="Events by outcome over the range">
      {OUTCOMES.map((outcome) => (
        <article key={outcome} className={`tile tile-${outcome}`} title={OUTCOME_LABELS[outcome].hint}>
          <h2 className="tile-label">{OUTCOME_LABELS[outcome].label}</h2>
          {data === null ? (
            <p className="tile-total">–</p>
          ) : (
            <>
              <p className="tile-total" data-testid={`count-${outcome}`}>
                {formatCount(data.totals[outcome])}
              </p>
              <p className="tile-recent">
                <span data-testid={`share-${outcome}`}>{ratioText(outcomeShare(data.totals, outcome))}</span>{' '}
                of decided
              </p>
            </>
          )}
        </article>
      ))}
    </section>
  );
}

const OUTCOME_SERIES: readonly ChartSeries<keyof OverviewRow>[] = OUTCOMES.map((outcome) => ({
  key: outcome,
  label: OUTCOME_LABELS[outcome].label,
  color: `var(--series-${outcome})`,
  kind: 'area',
  stack: 'outcomes',
}));

function OverviewCharts({ data, stale }: { data: OverviewResponse; stale: boolean }) {
  const rows = overviewRows(data);
  const column = (key: keyof OverviewRow) => rows.map((r) => r[key]);
  const axis = {
    range: data.range,
    stepSeconds: data.stepSeconds,
    fromMs: Date.parse(data.from),
    toMs: Date.parse(data.to),
  };
  const noSamples = 'No samples in the range: the processor samples every 10 s while it runs.';
  const count = (v: number) => formatCount(Math.round(v));
  return (
    <section className={stale ? 'chart-grid stale' : 'chart-grid'} aria-label="Charts">
      <TimeChart
        wide
        testId="chart-outcomes"
        title="Records per second by outcome"
        summary={seriesSummary(column('throughput'), rateText)}
        rows={rows}
        series={OUTCOME_SERIES}
        format={rateText}
        {...axis}
      />
      <TimeChart
        testId="chart-throughput"
        title="Throughput"
        summary={seriesSummary(column('throughput'), rateText)}
        rows={rows}
        series={[{ key: 'throughput', label: 'Decided per second', color: 'var(--text)', kind: 'line' }]}
        format={rateText}
        {...axis}
      />
      <TimeChart
        testId="chart-duplicate-ratio"
        title="Duplicate ratio"
        summary={seriesSummary(column('duplicatePercent'), (v) => ratioText(v / 100))}
        rows={rows}
        series={[
          {
            key: 'duplicatePercent',
            label: 'Duplicate ratio',
            color: 'var(--series-duplicate)',
            kind: 'line',
          },
        ]}
        format={(v) => ratioText(v / 100)}
        yMax={100}
        {...axis}
      />
      <TimeChart
        testId="chart-latency"
        title="End-to-end latency"
        summary={`p99: ${seriesSummary(column('latencyP99Ms'), shortDurationText)}`}
        rows={rows}
        series={[
          { key: 'latencyP50Ms', label: 'p50', color: 'var(--series-late)', kind: 'line' },
          { key: 'latencyP99Ms', label: 'p99', color: 'var(--series-duplicate)', kind: 'line' },
        ]}
        format={shortDurationText}
        empty={hasSamples(column('latencyP99Ms')) ? null : noSamples}
        {...axis}
      />
      <TimeChart
        testId="chart-consumer-lag"
        title="Consumer lag"
        summary={seriesSummary(column('consumerLag'), (v) => `${count(v)} records`)}
        rows={rows}
        series={[{ key: 'consumerLag', label: 'Records behind', color: 'var(--series-late)', kind: 'area' }]}
        format={count}
        integer
        empty={hasSamples(column('consumerLag')) ? null : noSamples}
        {...axis}
      />
      <TimeChart
        testId="chart-dlq-open"
        title="Open dead letters"
        summary={
          <>
            now <span data-testid="current-dlq-open">{countText(data.current.dlqOpen)}</span>, oldest{' '}
            <span data-testid="current-dlq-oldest">{secondsText(data.current.dlqOldestAgeSeconds)}</span>
          </>
        }
        rows={rows}
        series={[{ key: 'dlqOpen', label: 'Open records', color: 'var(--series-failed)', kind: 'line' }]}
        format={count}
        integer
        empty={hasSamples(column('dlqOpen')) ? null : noSamples}
        {...axis}
      />
      <TimeChart
        testId="chart-dlq-oldest"
        title="Oldest open dead letter"
        summary={seriesSummary(column('dlqOldestAgeSeconds'), (v) => secondsText(v))}
        rows={rows}
        series={[{ key: 'dlqOldestAgeSeconds', label: 'Age', color: 'var(--series-invalid)', kind: 'line' }]}
        format={(v) => secondsText(v)}
        empty={
          hasSamples(column('dlqOldestAgeSeconds'))
            ? null
            : hasSamples(column('dlqOpen'))
              ? 'No open dead letter in the range.'
              : noSamples
        }
        {...axis}
      />
    </section>
  );
}
