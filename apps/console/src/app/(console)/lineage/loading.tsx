import { LoadingStatus, SkeletonForm, SkeletonLede } from '../../skeletons';

/** The Lineage page's shape: the search form, then a timeline of occurrences. */
export default function Loading() {
  return (
    <>
      <h1 className="title">Lineage</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the audit…</LoadingStatus>
      <SkeletonForm fields={5} label="search" />
      <ol className="lineage-timeline" aria-hidden="true">
        {[0, 1].map((i) => (
          <li key={i} className="lineage-occurrence">
            <span className="skeleton skeleton-line w-40" />
            <span className="skeleton skeleton-line w-80" />
            <span className="skeleton skeleton-line w-60" />
          </li>
        ))}
      </ol>
    </>
  );
}
