// Shared by the benchmark tools (bench.ts, soak.ts and the processes bench.ts starts).

/** Header every benchmark record carries: when the load generator produced it, epoch ms. */
export const PRODUCED_AT_HEADER = 'bench-produced-at';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sum of a Prometheus metric's samples (all label sets) in a text exposition. */
export function metric(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Cumulative bucket counts of a Prometheus histogram without labels, by upper bound (`le`). */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  const prefix = `${name}_bucket{le="`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const le = line.slice(prefix.length, line.indexOf('"', prefix.length));
    out.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/**
 * The q-quantile of the observations between two scrapes of a cumulative histogram, as the upper
 * bound of the bucket it falls in (what Prometheus' histogram_quantile would bracket), or null.
 */
export function histogramQuantile(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  q: number,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = delta.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) if ((delta[i] ?? 0) >= rank) return bounds[i] ?? null;
  return null;
}
