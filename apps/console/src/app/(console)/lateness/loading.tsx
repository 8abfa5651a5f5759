export default function Loading() {
  return (
    <>
      <h1 className="title">Late events</h1>
      <p className="muted" role="status">
        Reading the lateness figures…
      </p>
      <div className="panel activity-skeleton stale" aria-hidden="true">
        {[0, 1, 2].map((row) => (
          <div key={row} className="activity-skeleton-row" />
        ))}
      </div>
    </>
  );
}
