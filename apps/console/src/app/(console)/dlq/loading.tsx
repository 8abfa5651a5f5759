import { LoadingStatus, SkeletonCard, SkeletonForm, SkeletonLede, SkeletonTable } from '../../skeletons';

/** The DLQ page's shape: the open count, the status switch, replay runs, groups, filters, records. */
export default function Loading() {
  return (
    <>
      <h1 className="title">Dead letters</h1>
      <SkeletonLede />
      <LoadingStatus>Reading the dead-letter records…</LoadingStatus>
      <div aria-hidden="true">
        <span className="skeleton skeleton-value" />
        <div className="dlq-status-switch">
          {[0, 1, 2, 3].map((i) => (
            <span key={i} className="skeleton skeleton-button" />
          ))}
        </div>
        <section className="dlq-section">
          <h2 className="section-title">Replay runs</h2>
          <SkeletonCard />
        </section>
        <section className="dlq-section">
          <h2 className="section-title">Groups</h2>
          <SkeletonTable
            columns={['Cause', 'Error type', 'Records', 'First / last seen', 'Last 24 h', 'Source topics']}
            rows={2}
          />
        </section>
        <section className="dlq-section">
          <h2 className="section-title">Records</h2>
          <SkeletonForm fields={7} label="filters" />
          <SkeletonTable
            columns={['Id', 'Last failure', 'Error', 'Source', 'Attempts', 'Status', 'Value']}
            rows={5}
          />
        </section>
      </div>
    </>
  );
}
