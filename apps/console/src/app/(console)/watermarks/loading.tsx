import { LoadingStatus, SkeletonLede, SkeletonTable } from '../../skeletons';

/** The Watermarks page's shape: the facts line, the pipeline watermark, one row per partition. */
export default function Loading() {
  return (
    <>
      <h1 className="title">Watermarks</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the watermarks…</LoadingStatus>
      <div aria-hidden="true">
        <dl className="meta">
          {['Pipeline', 'Input topic', 'Out-of-orderness', 'Idle after', 'Last updated'].map((label) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>
                <span className="skeleton skeleton-cell skeleton-meta" />
              </dd>
            </div>
          ))}
        </dl>
        <section className="panel wm-pipeline">
          <h2 className="wm-pipeline-label">Pipeline watermark</h2>
          <span className="skeleton skeleton-value" />
          <span className="skeleton skeleton-line w-40" />
        </section>
        <SkeletonTable
          columns={[
            'Partition',
            'Watermark',
            'Event-time lag',
            'Records behind',
            'State',
            'Last record',
            'Owner',
          ]}
          rows={3}
        />
      </div>
    </>
  );
}
