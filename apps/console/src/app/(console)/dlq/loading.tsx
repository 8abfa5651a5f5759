export default function Loading() {
  return (
    <>
      <h1 className="title">Dead letters</h1>
      <p className="muted" role="status">
        Reading the dead-letter records…
      </p>
      <div className="panel activity-skeleton stale" aria-hidden="true">
        {[0, 1, 2, 3, 4].map((row) => (
          <div key={row} className="activity-skeleton-row" />
        ))}
      </div>
    </>
  );
}
