export default function Loading() {
  return (
    <>
      <h1 className="title">Watermarks</h1>
      <p className="muted" role="status">
        Reading the watermarks…
      </p>
      <div className="panel activity-skeleton stale" aria-hidden="true">
        {[0, 1, 2].map((row) => (
          <div key={row} className="activity-skeleton-row" />
        ))}
      </div>
    </>
  );
}
