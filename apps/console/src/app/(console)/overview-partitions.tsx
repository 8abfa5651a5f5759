import type { WatermarksResponse } from '@dedup/contracts';
import Link from 'next/link';
import { heldBackText, partitionStrip, WATERMARKS_PATH } from '../../lib/watermarks-view';

/**
 * The overview's strip of input partitions: each one's state (holds the pipeline watermark back,
 * active, idle), records behind and event-time lag, in the Watermarks table's words, each linking
 * to its row there. The last good answer stays on screen, dimmed, while a poll fails.
 */
export function OverviewPartitions({
  data,
  error,
}: {
  data: WatermarksResponse | null;
  error: string | null;
}) {
  const rows = data === null ? [] : partitionStrip(data);
  return (
    <section
      className={error === null ? 'panel' : 'panel stale'}
      aria-labelledby="partitions-heading"
      data-testid="overview-partitions"
    >
      <h2 id="partitions-heading" className="section-title">
        Input partitions
      </h2>
      {error !== null && (
        <div className="banner" role="alert" data-testid="partitions-error">
          <strong>Watermarks unavailable.</strong> {error}.{' '}
          {data === null ? 'Retrying every 5 s.' : 'Showing the last answer; retrying every 5 s.'}
        </div>
      )}
      {data !== null && (
        <p className="muted" data-testid="partitions-held-back">
          <span className="wm-topic">{data.topic}</span>: {heldBackText(data)}{' '}
          <Link href={WATERMARKS_PATH}>Open the Watermarks page</Link>
        </p>
      )}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="table wm-table" aria-label="Input partitions">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Partition
                </th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Records behind
                </th>
                <th scope="col" className="num">
                  Event-time lag
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.partition}
                  className={
                    row.role === 'holds-back'
                      ? 'wm-holding-back'
                      : row.role === 'idle'
                        ? 'wm-idle'
                        : undefined
                  }
                  data-testid="overview-partition"
                  data-partition={row.partition}
                  data-role={row.role}
                >
                  <th scope="row" className="num">
                    {/* A document navigation, not next/link: a client-side one sets no `:target`, so
                        the row it lands on would not be outlined. */}
                    <a href={row.href} aria-label={`Partition ${row.partition}`}>
                      {row.partition}
                    </a>
                  </th>
                  <td data-testid="overview-partition-state">
                    {row.role === 'holds-back' ? (
                      <span className="status wm-badge">{row.state}</span>
                    ) : (
                      row.state
                    )}
                  </td>
                  <td className="num">{row.recordsBehind}</td>
                  <td className="num">{row.lag}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data !== null && rows.length === 0 && (
        <p className="muted" data-testid="partitions-empty">
          No input partition yet: a row per partition appears once the processor has joined its consumer
          group.
        </p>
      )}
    </section>
  );
}
