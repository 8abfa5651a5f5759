import {
  LoadingStatus,
  SkeletonChart,
  SkeletonLede,
  SkeletonMeta,
  SkeletonRangePicker,
  SkeletonTable,
} from '../../skeletons';

/**
 * The Late events page's shape: the range picker, the facts line, the figures, the histogram, the
 * percentiles.
 */
export default function Loading() {
  return (
    <>
      <h1 className="title">Late events</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the lateness figures…</LoadingStatus>
      <div aria-hidden="true">
        <SkeletonRangePicker />
        <SkeletonMeta labels={['Pipeline', 'Partitions', 'Last updated']} />
        <dl className="insight-figures">
          {['Late records', 'Late rate', 'Behind the watermark', 'Allowed lateness now'].map((label) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>
                <span className="skeleton skeleton-line w-40" />
              </dd>
            </div>
          ))}
        </dl>
        <SkeletonChart title="How late, on a log scale" height={240} />
        <SkeletonTable columns={['', 'All behind the watermark', 'Late only']} rows={4} />
      </div>
    </>
  );
}
