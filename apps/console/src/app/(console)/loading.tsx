import { OUTCOMES } from '@dedup/contracts';
import { OUTCOME_LABELS } from '../../lib/overview-view';
import { LoadingStatus, SkeletonChart, SkeletonMeta, SkeletonRangePicker, SkeletonTable } from '../skeletons';

/** The now-figures' tiles, in the overview's order, with their accents. */
const HEADLINE = [
  { label: 'Duplicate ratio', accent: 'tile-duplicate' },
  { label: 'Throughput', accent: 'tile-neutral' },
  { label: 'Consumer lag', accent: 'tile-late' },
  { label: 'Dead letters', accent: 'tile-failed' },
  { label: 'Exactly-once', accent: 'tile-neutral' },
] as const;

/** The charts' titles; the first spans the grid. */
const CHARTS = [
  'Records per second by outcome',
  'Throughput',
  'Duplicate ratio',
  'End-to-end latency',
  'Consumer lag',
  'Open dead letters',
  'Oldest open dead letter',
] as const;

/**
 * The Overview's shape: the range picker (none marked: the range is the URL's, unknown here), the
 * facts line, the totals by outcome, the figures of now, the input partitions and the charts.
 */
export default function Loading() {
  return (
    <>
      <h1 className="title">Overview</h1>
      <LoadingStatus>Reading the overview…</LoadingStatus>
      <div aria-hidden="true">
        <SkeletonRangePicker />
        <SkeletonMeta labels={['Pipeline', 'Range', 'Last updated']} />
        <section className="tiles">
          {OUTCOMES.map((outcome) => (
            <article key={outcome} className={`tile tile-${outcome}`}>
              <h2 className="tile-label">{OUTCOME_LABELS[outcome].label}</h2>
              <span className="skeleton skeleton-line w-60" />
              <span className="skeleton skeleton-line w-40" />
            </article>
          ))}
        </section>
        <section className="headline">
          {HEADLINE.map(({ label, accent }) => (
            <article key={label} className={`tile ${accent}`}>
              <h2 className="tile-label">{label}</h2>
              <span className="skeleton skeleton-line w-60" />
              <span className="skeleton skeleton-line w-80" />
            </article>
          ))}
        </section>
        <section className="panel">
          <h2 className="section-title">Input partitions</h2>
          <SkeletonTable columns={['Partition', 'State', 'Records behind', 'Event-time lag']} rows={2} />
        </section>
        <section className="chart-grid">
          {CHARTS.map((title, i) => (
            <SkeletonChart key={title} title={title} wide={i === 0} />
          ))}
        </section>
      </div>
    </>
  );
}
