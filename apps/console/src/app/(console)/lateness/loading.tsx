import { LoadingStatus, SkeletonLede, SkeletonTable } from '../../skeletons';

/** The Late events page's shape: the range, the figures, the histogram, the percentiles. */
export default function Loading() {
  return (
    <>
      <h1 className="title">Late events</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the lateness figures…</LoadingStatus>
      <div aria-hidden="true">
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
        <div className="chart">
          <span className="skeleton skeleton-line w-30" />
          <div className="chart-plot" style={{ height: 240 }} />
        </div>
        <SkeletonTable columns={['', 'All behind the watermark', 'Late only']} rows={4} />
      </div>
    </>
  );
}
