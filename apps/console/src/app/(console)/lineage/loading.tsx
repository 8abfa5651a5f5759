export default function Loading() {
  return (
    <>
      <h1 className="title">Lineage</h1>
      <p className="muted" role="status">
        Reading the audit…
      </p>
      <div className="panel activity-skeleton stale" aria-hidden="true">
        {[0, 1, 2].map((row) => (
          <div key={row} className="activity-skeleton-row" />
        ))}
      </div>
    </>
  );
}
