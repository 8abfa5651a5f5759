// Times named queries the way the API runs them: one warm-up call, then `rounds` calls, median and
// p95 (shared by the DLQ and console query benches).

export interface QueryTiming {
  readonly query: string;
  readonly median_ms: number;
  readonly p95_ms: number;
  readonly rows: number;
}

export async function timeQueries(
  queries: readonly (readonly [string, () => Promise<number>])[],
  rounds: number,
  log: (msg: string) => void,
  label: string,
): Promise<QueryTiming[]> {
  const timings: QueryTiming[] = [];
  for (const [name, run] of queries) {
    await run(); // warm
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < rounds; i++) {
      const t = performance.now();
      rows = await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0) * 10) / 10;
    timings.push({ query: name, median_ms: at(0.5), p95_ms: at(0.95), rows });
    log(`${label}: ${name.padEnd(34)} median ${at(0.5)} ms, p95 ${at(0.95)} ms (${rows} rows)`);
  }
  return timings;
}
