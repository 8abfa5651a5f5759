export default function Loading() {
  return (
    <>
      <h1 className="title">Activity</h1>
      <p className="muted" role="status">
        Reading the action log…
      </p>
      <div className="panel activity-skeleton stale" aria-hidden="true">
        {[0, 1, 2, 3, 4].map((row) => (
          <div key={row} className="activity-skeleton-row" />
        ))}
      </div>
    </>
  );
}
