export default function Loading() {
  return (
    <>
      <h1 className="title">Backfills</h1>
      <p className="muted" role="status">
        Reading the processor…
      </p>
    </>
  );
}
