import { LoadingStatus, SkeletonForm, SkeletonLede, SkeletonTable } from '../../skeletons';

/** The Activity page's shape: the filters, then the log's table. */
export default function Loading() {
  return (
    <>
      <h1 className="title">Activity</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the action log…</LoadingStatus>
      <SkeletonForm fields={5} label="filters" />
      <SkeletonTable columns={['When', 'Who', 'Action', 'Target', 'Result', 'Status', 'Error']} rows={6} />
    </>
  );
}
