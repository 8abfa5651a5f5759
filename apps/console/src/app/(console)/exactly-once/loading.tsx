import {
  LoadingStatus,
  SkeletonChart,
  SkeletonLede,
  SkeletonMeta,
  SkeletonRangePicker,
  SkeletonTable,
} from '../../skeletons';

/**
 * The Exactly-once page's shape: the range picker, the facts line, the health, the totals, the
 * charts, the output partitions.
 */
export default function Loading() {
  return (
    <>
      <h1 className="title">Exactly-once</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the exactly-once health…</LoadingStatus>
      <div aria-hidden="true">
        <SkeletonRangePicker />
        <SkeletonMeta labels={['Pipeline', 'Guarantee', 'Range', 'Last updated']} />
        <div className="panel">
          <span className="skeleton skeleton-value" />
          <span className="skeleton skeleton-line w-60" />
        </div>
        <dl className="insight-figures">
          {['Committed', 'Aborted', 'Abort ratio', 'Producers fenced', 'Rebalances'].map((label) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>
                <span className="skeleton skeleton-line w-40" />
              </dd>
            </div>
          ))}
        </dl>
        <section className="chart-grid">
          <SkeletonChart title="Transactions per step" />
          <SkeletonChart title="Rebalances and fencing" />
        </section>
        <SkeletonTable columns={['Topic', 'Partition', 'Held back']} rows={3} />
      </div>
    </>
  );
}
