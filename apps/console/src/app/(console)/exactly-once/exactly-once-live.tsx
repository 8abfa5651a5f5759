'use client';

import { exactlyOnceResponseSchema, type ExactlyOnceResponse, type TimeRange } from '@dedup/contracts';
import {
  exactlyOnceHealth,
  guaranteeText,
  isExactlyOnce,
  lsoLagText,
  sinceCommitText,
  sortedOutputs,
  transactionRows,
  type TransactionRow,
} from '../../../lib/exactly-once-view';
import { countOf, formatCount, ratioText } from '../../../lib/quantity-view';
import { INSIGHTS_POLL_INTERVAL_MS, rangeCaption } from '../../../lib/time-range-view';
import { LocalTime } from '../../local-time';
import { TimeChart, type ChartSeries } from '../../time-chart';
import { usePolledAnswer } from '../../use-polling';

interface ExactlyOnceLiveProps {
  readonly range: TimeRange;
  readonly initial: ExactlyOnceResponse | null;
  readonly initialError: string | null;
}

/** Exactly-once health over the range in the URL, refreshed every 5 s while the page is open. */
export function ExactlyOnceLive({ range, initial, initialError }: ExactlyOnceLiveProps) {
  const { data, error } = usePolledAnswer(
    `/api/exactly-once?range=${range}`,
    exactlyOnceResponseSchema,
    'exactly-once health',
    { data: initial, error: initialError },
    INSIGHTS_POLL_INTERVAL_MS,
  );

  return (
    <>
      {error !== null && (
        <div className="banner" role="alert" data-testid="processor-error">
          <strong>Exactly-once health unavailable.</strong> {error}.{' '}
          {data === null
            ? 'Nothing to show yet; retrying every 5 s.'
            : 'Showing the last answer; retrying every 5 s.'}
        </div>
      )}
      {data !== null && <ExactlyOnce data={data} stale={error !== null} />}
    </>
  );
}

const TRANSACTION_SERIES: readonly ChartSeries<keyof TransactionRow>[] = [
  { key: 'committed', label: 'Committed', color: 'var(--series-unique)', kind: 'line' },
  { key: 'aborted', label: 'Aborted', color: 'var(--series-failed)', kind: 'line' },
];

const DISRUPTION_SERIES: readonly ChartSeries<keyof TransactionRow>[] = [
  { key: 'rebalances', label: 'Rebalances', color: 'var(--series-late)', kind: 'bar' },
  { key: 'fenced', label: 'Producers fenced', color: 'var(--series-invalid)', kind: 'bar' },
];

function ExactlyOnce({ data, stale }: { data: ExactlyOnceResponse; stale: boolean }) {
  const health = exactlyOnceHealth(data);
  const on = isExactlyOnce(data.guarantee);
  const rows = transactionRows(data);
  const axis = {
    range: data.range,
    stepSeconds: data.stepSeconds,
    fromMs: Date.parse(data.from),
    toMs: Date.parse(data.to),
  };
  const count = (v: number) => formatCount(Math.round(v));
  return (
    <div className={stale ? 'stale' : undefined}>
      <dl className="meta">
        <div>
          <dt>Pipeline</dt>
          <dd>{data.pipeline}</dd>
        </div>
        <div>
          <dt>Guarantee</dt>
          <dd data-testid="guarantee">{guaranteeText(data.guarantee)}</dd>
        </div>
        <div>
          <dt>Range</dt>
          <dd>{rangeCaption(data.range, data.stepSeconds)}</dd>
        </div>
        <div>
          <dt>Last updated</dt>
          <dd data-testid="last-updated">
            <LocalTime iso={data.generatedAt} />
          </dd>
        </div>
      </dl>

      <section
        className={`panel health-${health.level}`}
        aria-label="Exactly-once health"
        data-testid="exactly-once-health"
        data-health={health.level}
      >
        <p className="tile-word">{health.headline}</p>
        <ul className="advice-list">
          {health.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
        {!on && (
          <p className="muted" data-testid="at-least-once">
            With <code>PROCESSING_GUARANTEE=exactly_once</code> (the default) each batch&apos;s output and
            input offsets are one Kafka transaction. Until then there are no transactions to count here, and
            readers of the output topics must expect a batch twice after a crash.
          </p>
        )}
      </section>

      <dl className="insight-figures" aria-label="Transactions over the range">
        <div>
          <dt>Committed</dt>
          <dd data-testid="total-committed">{formatCount(data.totals.committed)}</dd>
        </div>
        <div>
          <dt>Aborted</dt>
          <dd data-testid="total-aborted">{formatCount(data.totals.aborted)}</dd>
        </div>
        <div>
          <dt>Abort ratio</dt>
          <dd data-testid="abort-ratio">{ratioText(data.abortRatio)}</dd>
        </div>
        <div>
          <dt>Producers fenced</dt>
          <dd data-testid="total-fenced">{formatCount(data.totals.fenced)}</dd>
        </div>
        <div>
          <dt>Rebalances</dt>
          <dd data-testid="total-rebalances">{formatCount(data.totals.rebalances)}</dd>
        </div>
      </dl>

      <section className="chart-grid" aria-label="Charts">
        <TimeChart
          testId="chart-transactions"
          title="Transactions per step"
          summary={`${formatCount(data.totals.committed)} committed, ${formatCount(data.totals.aborted)} aborted`}
          rows={rows}
          series={TRANSACTION_SERIES}
          format={count}
          integer
          empty={on ? null : 'At least once: no transactions.'}
          {...axis}
        />
        <TimeChart
          testId="chart-disruptions"
          title="Rebalances and fencing"
          summary={`${countOf(data.totals.rebalances, 'rebalance')}, ${formatCount(data.totals.fenced)} fenced`}
          rows={rows}
          series={DISRUPTION_SERIES}
          format={count}
          integer
          {...axis}
        />
      </section>

      <div className="insight-tables">
        <section className="panel" aria-labelledby="outputs-heading">
          <h2 id="outputs-heading" className="section-title">
            Output partitions: last stable offset
          </h2>
          {data.outputsError !== null && (
            <div className="banner banner-warning" role="status" data-testid="outputs-error">
              <strong>Not known now:</strong> {data.outputsError}. The probe reads the output topics every 10
              s.
            </div>
          )}
          {data.outputs.length === 0 ? (
            data.outputsError === null && <p className="muted">No output partition to show.</p>
          ) : (
            <div className="table-scroll">
              <table className="table" aria-label="Output partitions">
                <thead>
                  <tr>
                    <th scope="col">Topic</th>
                    <th scope="col" className="num">
                      Partition
                    </th>
                    <th scope="col" className="num" title="Records read_committed readers cannot see yet">
                      Held back
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sortedOutputs(data.outputs).map((o) => (
                    <tr
                      key={`${o.topic}/${o.partition}`}
                      data-testid="output-row"
                      className={o.lastStableOffsetLag > 0 ? 'eo-held-back' : undefined}
                    >
                      <td className="wm-topic">{o.topic}</td>
                      <td className="num">{o.partition}</td>
                      <td className="num" data-testid="lso-lag">
                        {lsoLagText(o.lastStableOffsetLag)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted">
            End offset minus last stable offset, now: records written inside transactions that are still open.
            It should fall back to none within a batch; a lag that stays means a transaction left open.
          </p>
        </section>

        <section className="panel" aria-labelledby="inputs-heading">
          <h2 id="inputs-heading" className="section-title">
            Input partitions: last committed batch
          </h2>
          {data.inputs.length === 0 ? (
            <p className="muted">No input partition has committed yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="table" aria-label="Input partitions">
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Partition
                    </th>
                    <th scope="col">Last commit</th>
                    <th scope="col" className="num">
                      Since
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {[...data.inputs]
                    .sort((a, b) => a.partition - b.partition)
                    .map((input) => (
                      <tr key={input.partition} data-testid="input-row">
                        <th scope="row" className="num">
                          {input.partition}
                        </th>
                        <td>
                          {input.lastCommitAt === null ? (
                            '–'
                          ) : (
                            <LocalTime iso={input.lastCommitAt} show="datetime" />
                          )}
                        </td>
                        <td className="num">{sinceCommitText(input)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted">
            From the durable progress: a partition with no new records has nothing to commit, so a long time
            here is normal when it is quiet; look at the consumer lag on the Overview if it is not.
          </p>
        </section>
      </div>
    </div>
  );
}
