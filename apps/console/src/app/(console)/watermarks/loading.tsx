import {
  LoadingStatus,
  SkeletonChart,
  SkeletonLede,
  SkeletonMeta,
  SkeletonRangePicker,
  SkeletonTable,
} from '../../skeletons';

/**
 * The Watermarks page's shape: the range picker, the facts line, the pipeline watermark, the lag
 * chart, one row per partition.
 */
export default function Loading() {
  return (
    <>
      <h1 className="title">Watermarks</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the watermarks…</LoadingStatus>
      <div aria-hidden="true">
        <SkeletonRangePicker />
        <SkeletonMeta
          labels={['Pipeline', 'Input topic', 'Out-of-orderness', 'Idle after', 'Range', 'Last updated']}
        />
        <section className="panel wm-pipeline">
          <h2 className="wm-pipeline-label">Pipeline watermark</h2>
          <span className="skeleton skeleton-value" />
          <span className="skeleton skeleton-line w-40" />
        </section>
        <SkeletonChart title="Event-time lag per partition" height={220} />
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
