import { OUTCOMES } from '@dedup/contracts';

export default function Loading() {
  return (
    <>
      <h1 className="title">Overview</h1>
      <p className="muted" role="status">
        Reading the processor…
      </p>
      <section className="tiles stale" aria-hidden="true">
        {OUTCOMES.map((outcome) => (
          <article key={outcome} className={`tile tile-${outcome}`}>
            <h2 className="tile-label">{outcome}</h2>
            <p className="tile-total">–</p>
          </article>
        ))}
      </section>
    </>
  );
}
