import { LoadingStatus, SkeletonCard, SkeletonForm, SkeletonLede } from '../../skeletons';

/** The Backfills page's shape: the job cards, then the New backfill form. */
export default function Loading() {
  return (
    <>
      <h1 className="title">Backfills</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the backfill jobs…</LoadingStatus>
      <section className="jobs" aria-hidden="true">
        <h2 className="section-title">Jobs</h2>
        <SkeletonCard />
        <SkeletonCard />
      </section>
      <SkeletonForm fields={2} label="new backfill" />
    </>
  );
}
