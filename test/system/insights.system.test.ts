import {
  exactlyOnceResponseSchema,
  latenessResponseSchema,
  overviewResponseSchema,
  OUTCOMES,
  type LatenessResponse,
  type OverviewResponse,
} from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { produce } from '../support/kafka-tools';
import { closeTestPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The on-call console's API on the real processor (issue 15, parts 1, 3 and 5): traffic with a
 * known lateness distribution (log-uniform from 100 ms to 60 s behind the watermark), duplicates
 * and a poison record; the overview's counts agree with the processor's own metrics, the lateness
 * percentiles with the injected ones within 5 %, and the exactly-once health counts transactions.
 */
describe('overview, lateness and exactly-once health API', () => {
  const name = uniqueName('insights');
  const topics = pipelineTopics(name);
  const ALLOWED_MS = 2_000;
  const semantics = { maxOutOfOrdernessMs: 0, allowedLatenessMs: ALLOWED_MS, idleTimeoutMs: 600_000 };
  const H = Date.now() - 3_600_000;
  const N = 1_000;
  const DUPLICATES = 50;
  // Record i arrives lateness[i] ms behind the watermark H: log-uniform over [100 ms, 60 s].
  const lateness = Array.from({ length: N }, (_, i) =>
    Math.round(Math.exp(Math.log(100) + (Math.log(60_000) - Math.log(100)) * ((i + 0.5) / N))),
  );
  const quantile = (values: readonly number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  };
  const lateValues = lateness.filter((l) => l > ALLOWED_MS);
  const event = (id: string, eventTime: number): Message => ({
    key: id,
    value: JSON.stringify({
      event_id: id,
      event_type: 't',
      event_time: eventTime,
      payload: {},
      schema_version: 1,
    }),
  });
  let processor: ProcessorProcess | undefined;

  const getJson = async (path: string): Promise<unknown> => {
    const res = await processor!.get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res.json();
  };
  const overview = async (range: string): Promise<OverviewResponse> =>
    overviewResponseSchema.parse(await getJson(`/api/overview?range=${range}`));
  const latenessOf = async (query: string): Promise<LatenessResponse> =>
    latenessResponseSchema.parse(await getJson(`/api/lateness?${query}`));
  const total = (o: OverviewResponse) => OUTCOMES.reduce((n, k) => n + o.totals[k], 0);

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 1 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
    // The head sets the watermark to H; everything after is behind it or at it.
    await produce(topics.input, [event(`head-${name}`, H)]);
    await eventually('the head decided', async () =>
      (await overview('15m')).totals.unique === 1 ? true : undefined,
    );
    await produce(topics.input, [
      ...lateness.map((l, i) => event(`e${i}-${name}`, H - l)),
      ...Array.from({ length: DUPLICATES }, () => event(`head-${name}`, H)),
      { key: 'poison', value: 'not json' },
    ]);
    await eventually('every record decided', async () =>
      total(await overview('15m')) === 1 + N + DUPLICATES + 1 ? true : undefined,
    );
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('overview: counts by outcome per step agree with the metrics, and the rates add up', async () => {
    const body = await overview('15m');
    expect(body.stepSeconds).toBe(10);
    expect(body.points).toHaveLength(90);
    expect(body.totals).toEqual({
      unique: 1 + lateness.filter((l) => l <= ALLOWED_MS).length,
      duplicate: DUPLICATES,
      late: lateValues.length,
      invalid: 1,
      failed: 0,
    });
    // The processor's own counters (counted when the Kafka transaction commits) say the same.
    const metrics = await (await processor!.get('/metrics')).text();
    for (const outcome of OUTCOMES) {
      const series = [
        ...metrics.matchAll(
          new RegExp(`^dedup_events_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, 'gm'),
        ),
      ];
      const fromMetrics = series.reduce((n, m) => n + Number(m[1]), 0);
      expect({ outcome, n: fromMetrics }).toEqual({ outcome, n: body.totals[outcome] });
    }
    const sum = body.points.reduce((n, p) => n + OUTCOMES.reduce((m, o) => m + p.counts[o], 0), 0);
    expect(sum).toBe(total(body));
    const busy = body.points.filter((p) => p.throughputPerSecond > 0);
    expect(busy.length).toBeGreaterThan(0);
    for (const p of busy) {
      expect(p.throughputPerSecond).toBeCloseTo(OUTCOMES.reduce((m, o) => m + p.counts[o], 0) / 10, 6);
    }
    // The same counts at minute steps over an hour.
    expect((await overview('1h')).totals).toEqual(body.totals);
  });

  it('overview: latency, consumer lag and DLQ depth come from the health samples', async () => {
    const body = await eventually(
      'a health sample with latency',
      async () => {
        const o = await overview('1h');
        return o.points.some((p) => p.latencyP99Ms !== null) && o.current.sampledAt !== null ? o : undefined;
      },
      40_000,
    );
    const sampled = body.points.filter((p) => p.latencyP50Ms !== null);
    for (const p of sampled) expect(p.latencyP99Ms!).toBeGreaterThanOrEqual(p.latencyP50Ms!);
    expect(body.current.consumerLag).toBe(0);
    const withDlq = await eventually(
      'the DLQ depth sampled',
      async () => {
        const o = await overview('1h');
        return o.current.dlqOpen === 1 ? o : undefined;
      },
      40_000,
    );
    expect(withDlq.current.dlqOldestAgeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('lateness: the percentiles of the injected distribution, within 5 %', async () => {
    const body = await latenessOf('range=1h');
    expect(body.allowedLatenessMs).toBe(ALLOWED_MS);
    expect(body.behind).toBe(N);
    expect(body.late).toBe(lateValues.length);
    expect(body.decided).toBe(1 + N + DUPLICATES);
    expect(body.lateRate).toBeCloseTo(lateValues.length / (1 + N + DUPLICATES), 6);
    const near = (got: number, want: number) =>
      expect({ got, ratio: Math.abs(got / want - 1) < 0.05 }).toEqual({ got, ratio: true });
    near(body.percentiles!.p50, quantile(lateness, 0.5));
    near(body.percentiles!.p90, quantile(lateness, 0.9));
    near(body.percentiles!.p99, quantile(lateness, 0.99));
    near(body.percentiles!.p999, quantile(lateness, 0.999));
    near(body.latePercentiles!.p50, quantile(lateValues, 0.5));
    near(body.latePercentiles!.p99, quantile(lateValues, 0.99));
    expect(body.histogram.reduce((n, b) => n + b.kept + b.late, 0)).toBe(N);
    for (const b of body.histogram) {
      expect(b.toMs).toBeGreaterThan(b.fromMs);
      if (b.fromMs >= ALLOWED_MS) expect(b.kept).toBe(0);
      if (b.toMs <= ALLOWED_MS) expect(b.late).toBe(0);
    }
    // Advice: the allowed lateness that keeps 99 % / 99.9 % of the late records, and its state cost.
    expect(body.advice.map((a) => a.keep)).toEqual([0.99, 0.999]);
    const [a99, a999] = body.advice;
    near(a99!.allowedLatenessMs, quantile(lateValues, 0.99));
    expect(a999!.allowedLatenessMs).toBeGreaterThanOrEqual(a99!.allowedLatenessMs);
    const keptBy99 = lateValues.filter((l) => l <= a99!.allowedLatenessMs).length;
    expect(Math.abs(a99!.wouldKeep - keptBy99)).toBeLessThanOrEqual(Math.ceil(0.01 * lateValues.length));
    expect(body.keyRatePerSecond).toBeGreaterThan(0);
    expect(a99!.extraStateRows).toBe(
      Math.round((body.keyRatePerSecond * (a99!.allowedLatenessMs - ALLOWED_MS)) / 1000),
    );
    expect(a99!.extraStateBytes).toBe(a99!.extraStateRows * body.bytesPerStateRow);
    expect(body.partitions).toEqual([{ topic: topics.input, partition: 0 }]);
    // Per partition; another partition has nothing.
    expect((await latenessOf(`range=1h&topic=${topics.input}&partition=0`)).behind).toBe(N);
    const none = await latenessOf('range=1h&partition=7');
    expect({ behind: none.behind, percentiles: none.percentiles, advice: none.advice }).toEqual({
      behind: 0,
      percentiles: null,
      advice: [],
    });
  });

  it('exactly-once health: committed transactions, no aborts, output LSO lag and last commits', async () => {
    const body = await eventually(
      'transactions sampled',
      async () => {
        const b = exactlyOnceResponseSchema.parse(await getJson('/api/exactly-once?range=1h'));
        return b.totals.committed > 0 && b.outputs.length > 0 ? b : undefined;
      },
      40_000,
    );
    expect(body.guarantee).toBe('exactly_once');
    expect(body.stepSeconds).toBe(60);
    expect(body.totals.aborted).toBe(0);
    expect(body.abortRatio).toBe(0);
    expect(body.totals.rebalances).toBeGreaterThanOrEqual(1);
    expect(body.outputs).toContainEqual({ topic: topics.output, partition: 0, lastStableOffsetLag: 0 });
    expect(body.inputs).toHaveLength(1);
    expect(body.inputs[0]!.partition).toBe(0);
    expect(body.inputs[0]!.secondsSinceCommit).toBeLessThan(120);
  });

  it('refuses a bad range or an unknown parameter with a message', async () => {
    for (const path of [
      '/api/overview?range=2d',
      '/api/lateness?range=1h&partition=-1',
      '/api/exactly-once?since=yesterday',
    ]) {
      const res = await processor!.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(((await res.json()) as { message: string }).message).toMatch(/range|partition|since/);
    }
  });
});
