'use client';

import { useEffect, useState } from 'react';
import { watermarksResponseSchema, type PartitionWatermark, type WatermarksResponse } from '@dedup/contracts';
import { hrefWith, rangeCaption, type TimeRange } from '../../../lib/time-range-view';
import {
  durationText,
  heldBackText,
  lagText,
  otherTopicNote,
  ownerText,
  partitionAnchor,
  pipelineLagMs,
  recordsBehindText,
  stateText,
  unchartedText,
} from '../../../lib/watermarks-view';
import { LocalTime } from '../../local-time';
import { usePolledAnswer } from '../../use-polling';
import { WatermarkLagChart } from './watermark-lag-chart';

/** Watermarks move with every batch; every 5 s is enough for a person to follow them. */
const POLL_INTERVAL_MS = 5_000;

interface WatermarksLiveProps {
  /** The lag chart's range, or null when the URL's was refused (no chart; the page says why). */
  range: TimeRange | null;
  /** The server-rendered first answer, or null when the processor could not be read. */
  initial: WatermarksResponse | null;
  initialError: string | null;
  /** The topic a link from another page named, or null. */
  askedTopic: string | null;
}

/**
 * The pipeline watermark, each partition's lag over the range and one row per input partition,
 * refreshed while the page is open.
 */
export function WatermarksLive({ range, initial, initialError, askedTopic }: WatermarksLiveProps) {
  // Without a range the route's default is read; the chart is not drawn.
  const { data, error } = usePolledAnswer(
    hrefWith('/api/watermarks', { range: range ?? undefined }),
    watermarksResponseSchema,
    'watermarks',
    { data: initial, error: initialError },
    POLL_INTERVAL_MS,
  );

  const stale = error !== null;
  return (
    <>
      {error !== null && (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Watermarks unavailable.</strong> {error}.{' '}
          {data === null
            ? 'Nothing to show yet; retrying every 5 s.'
            : 'Showing the last answer; retrying every 5 s.'}
        </div>
      )}
      {data !== null && (
        <Watermarks data={data} stale={stale} askedTopic={askedTopic} chart={range !== null} />
      )}
    </>
  );
}

function Watermarks({
  data,
  stale,
  askedTopic,
  chart,
}: {
  data: WatermarksResponse;
  stale: boolean;
  askedTopic: string | null;
  chart: boolean;
}) {
  const note = otherTopicNote(askedTopic, data.topic);
  const uncharted = unchartedText(data.partitions, data.history);
  const hash = useLocationHash();
  return (
    <>
      {note !== null && (
        <div className="banner banner-warning" role="status" data-testid="other-topic">
          {note}
        </div>
      )}
      <dl className="meta">
        <div>
          <dt>Pipeline</dt>
          <dd>{data.pipeline}</dd>
        </div>
        <div>
          <dt>Input topic</dt>
          <dd className="wm-topic">{data.topic}</dd>
        </div>
        <div>
          <dt>Out-of-orderness</dt>
          <dd>{durationText(data.maxOutOfOrdernessMs)}</dd>
        </div>
        <div>
          <dt>Idle after</dt>
          <dd>{durationText(data.idleTimeoutMs)}</dd>
        </div>
        {chart && (
          <div>
            <dt>Range</dt>
            <dd data-testid="range-caption">{rangeCaption(data.history.range, data.history.stepSeconds)}</dd>
          </div>
        )}
        <div>
          <dt>Last updated</dt>
          <dd data-testid="last-updated">
            <LocalTime iso={data.now} />
          </dd>
        </div>
      </dl>

      <section
        className={stale ? 'panel wm-pipeline stale' : 'panel wm-pipeline'}
        aria-label="Pipeline watermark"
      >
        <h2 className="wm-pipeline-label">Pipeline watermark</h2>
        <p className="wm-pipeline-value" data-testid="pipeline-watermark">
          {data.pipelineWatermark === null ? '–' : <LocalTime iso={data.pipelineWatermark} show="datetime" />}
        </p>
        <p className="wm-pipeline-lag">
          <span data-testid="pipeline-lag">{lagText(pipelineLagMs(data))}</span> behind the wall clock
        </p>
        <p className="muted" data-testid="held-back">
          {heldBackText(data)}{' '}
          {data.heldBackBy !== null && (
            <a href={`#${partitionAnchor(data.heldBackBy)}`}>Go to partition {data.heldBackBy}</a>
          )}
        </p>
      </section>

      {chart && (
        <section className={stale ? 'wm-lag stale' : 'wm-lag'} aria-label="Lag over time">
          <WatermarkLagChart history={data.history} heldBackBy={data.heldBackBy} now={data.now} />
          {uncharted !== null && data.history.partitions.length > 0 && (
            <p className="muted wm-note" data-testid="lag-uncharted">
              {uncharted}
            </p>
          )}
        </section>
      )}

      <div className={stale ? 'table-scroll stale' : 'table-scroll'}>
        <table className="table wm-table" aria-label="Partitions">
          <thead>
            <tr>
              <th scope="col" className="num">
                Partition
              </th>
              <th scope="col">Watermark</th>
              <th scope="col">Event-time lag</th>
              <th scope="col" className="num">
                Records behind
              </th>
              <th scope="col">State</th>
              <th scope="col">Last record</th>
              <th scope="col">Owner</th>
            </tr>
          </thead>
          <tbody>
            {data.partitions.map((p) => (
              <PartitionRow
                key={p.partition}
                p={p}
                holdingBack={p.partition === data.heldBackBy}
                targeted={hash === `#${partitionAnchor(p.partition)}`}
              />
            ))}
          </tbody>
        </table>
      </div>
      {data.partitions.length === 0 && (
        <div className="panel empty-state" data-testid="watermarks-empty">
          <h2 className="empty-state-title">No input partitions yet</h2>
          <p>
            A row per partition of {data.topic} appears once the processor has read the topic&rsquo;s metadata
            and joined its consumer group, usually within seconds of starting. If none appear, check that the
            topic exists and that the processor is running (its logs name the assignment).
          </p>
        </div>
      )}
      <p className="muted wm-note">
        A partition&apos;s watermark is its newest event time minus the out-of-orderness; the pipeline
        watermark is the lowest over active partitions, and never moves back. It is recomputed when a batch is
        decided, so with no traffic it stays put. Only the partitions of the instance that answered are named;
        the others are consumed by another instance, or by none.
      </p>
    </>
  );
}

function PartitionRow({
  p,
  holdingBack,
  targeted,
}: {
  p: PartitionWatermark;
  holdingBack: boolean;
  /** The URL's `#p-<n>`: `:target` misses it after a client-side navigation from another page. */
  targeted: boolean;
}) {
  const classes = [
    'wm-row',
    holdingBack ? 'wm-holding-back' : '',
    p.idle ? 'wm-idle' : '',
    targeted ? 'wm-targeted' : '',
  ].filter(Boolean);
  return (
    <tr
      id={partitionAnchor(p.partition)}
      className={classes.join(' ')}
      data-testid="partition-row"
      data-partition={p.partition}
      data-holding-back={holdingBack ? 'true' : undefined}
    >
      <th scope="row" className="num">
        <a href={`#${partitionAnchor(p.partition)}`}>{p.partition}</a>
      </th>
      <td>
        {p.watermark === null ? '–' : <LocalTime iso={p.watermark} show="datetime" />}
        {holdingBack && (
          <>
            {' '}
            <span className="status wm-badge" data-testid="holding-back-badge">
              holds the watermark back
            </span>
          </>
        )}
      </td>
      <td>{lagText(p.eventTimeLagMs)}</td>
      <td className="num" title={offsetsTitle(p)}>
        {recordsBehindText(p.recordsBehind)}
      </td>
      <td data-testid="partition-state">{stateText(p)}</td>
      <td>{p.lastRecordAt === null ? '–' : <LocalTime iso={p.lastRecordAt} />}</td>
      <td className="wm-owner">{ownerText(p.owner)}</td>
    </tr>
  );
}

function offsetsTitle(p: PartitionWatermark): string {
  return `last decided offset ${p.committedOffset ?? 'none'}, end offset ${p.endOffset ?? 'unknown'}`;
}

/** The URL's fragment, kept current (a link on this page, or a client-side navigation to it). */
function useLocationHash(): string {
  const [hash, setHash] = useState('');
  useEffect(() => {
    const read = () => setHash(window.location.hash);
    read();
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
  return hash;
}
