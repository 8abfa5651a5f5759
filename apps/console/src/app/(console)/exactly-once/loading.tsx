export default function Loading() {
  return (
    <>
      <h1 className="title">Exactly-once</h1>
      <p className="muted" role="status">
        Reading the exactly-once health…
      </p>
      <div className="panel activity-skeleton stale" aria-hidden="true">
        {[0, 1, 2].map((row) => (
          <div key={row} className="activity-skeleton-row" />
        ))}
      </div>
    </>
  );
}
