import path from 'node:path';
import type { Message } from 'kafkajs';
import { createTopics, produce, readTopicWithKcat } from '../support/kafka-tools';
import { closeTestPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import {
  ALERTS,
  PrometheusServer,
  RATE_INTERVAL,
  SCRAPE_JOB,
  alertExpr,
  buildOverviewDashboard,
  panelQueries,
  type PromSample,
} from '../support/prometheus';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Every PromQL expression of the dashboards and every alert signal, run against a real Prometheus
 * that scrapes the real processor every second while traffic with duplicates, late events and
 * malformed records flows. Each must return data (at least one finite value): a renamed metric or
 * label, or a typo in an expression, fails here rather than as an empty panel at 3 a.m. The rule
 * twins are loaded into the same Prometheus and must evaluate without errors.
 */
describe('dashboards and alerts against a real Prometheus scraping the processor', () => {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const name = uniqueName('obs');
  const topics = pipelineTopics(name);
  // A small allowed lateness, so events a minute old are late once the watermark is near now.
  const semantics = {
    keys: [{ name: 'event_id', kind: 'event_id' }],
    window: { kind: 'sliding', sizeMs: 600_000 },
    maxOutOfOrdernessMs: 500,
    allowedLatenessMs: 1_000,
    idleTimeoutMs: 600_000,
    maxFutureSkewMs: 300_000,
  };
  let processor: ProcessorProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let traffic: Promise<void> | undefined;
  let trafficError: unknown;
  let stopTraffic = false;

  const event = (id: string, eventTime: number): string =>
    JSON.stringify({
      event_id: id,
      event_type: 'order.created',
      event_time: eventTime,
      source: 'observability-test',
      payload: { id },
      schema_version: 1,
    });

  /** One round: fresh events, re-sends of the previous round, late events, now and then a malformed one. */
  function round(n: number): Message[] {
    const now = Date.now();
    const fresh = Array.from({ length: 20 }, (_, i) => ({
      key: `k-${i % 4}`,
      value: event(`r${n}-${i}`, now - 100 + i),
    }));
    const resent =
      n === 0
        ? []
        : Array.from({ length: 4 }, (_, i) => ({
            key: `k-${i}`,
            value: event(`r${n - 1}-${i}`, now - 1_100),
          }));
    const late = Array.from({ length: 2 }, (_, i) => ({
      key: `k-${i}`,
      value: event(`late-${n}-${i}`, now - 60_000),
    }));
    // A malformed record every fifth round: the DLQ grows, but not past the growth alert's threshold.
    const malformed = n % 5 === 0 ? [{ key: 'bad', value: '{"event_id": "trunc' }] : [];
    return [...fresh, ...resent, ...late, ...malformed];
  }

  async function sendTraffic(): Promise<void> {
    for (let n = 0; !stopTraffic; n++) {
      await produce(topics.input, round(n));
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 2,
      [topics.output]: 2,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, {
        PIPELINE_SEMANTICS: JSON.stringify(semantics),
        STATE_EXPIRY_INTERVAL_MS: '1000',
      }),
      name,
    );
    prometheus = await PrometheusServer.start(
      {
        job: SCRAPE_JOB,
        targets: [new URL(processor.baseUrl).host],
        ruleFiles: [path.join(repoRoot, 'grafana/prometheus/rules/dedup-alerts.yml')],
      },
      `${name}-prometheus`,
    );
    // Kept up until afterAll, so rate windows always hold fresh samples; a failure is reported there.
    traffic = sendTraffic().catch((error: unknown) => {
      trafficError = error;
    });
    // Every outcome the alerts and panels look at has happened before the queries start.
    await eventually('late and duplicate records on their topics', async () => {
      const [late, dups] = await Promise.all([
        readTopicWithKcat(topics.late),
        readTopicWithKcat(topics.duplicates),
      ]);
      return late.length > 0 && dups.length > 0 ? true : undefined;
    });
    // A backfill job held paused, so the backfill panels have a job to show for the whole suite.
    const backfill = await processor.call('POST', '/api/backfills', {
      targetTopic: `${name}.backfill`,
      range: { kind: 'time' },
      maxEventsPerSecond: 1,
    });
    expect(backfill.status).toBe(201);
    const { id } = (await backfill.json()) as { id: string };
    expect((await processor.call('POST', `/api/backfills/${id}/pause`)).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    stopTraffic = true;
    await traffic;
    await prometheus?.stop();
    await processor?.stop();
    await closeTestPool();
    if (trafficError !== undefined)
      throw new Error('producing the test traffic failed', { cause: trafficError });
  });

  /** Waits until the expression returns at least one finite value; returns the samples. */
  async function returnsData(expr: string): Promise<PromSample[]> {
    return eventually(
      `data for ${expr}`,
      async () => {
        const samples = await prometheus!.query(expr);
        return samples.some((s) => Number.isFinite(s.value)) ? samples : undefined;
      },
      // Samples arrive every second; a query still empty after this is wrong, not slow.
      45_000,
      1_000,
    );
  }

  it('scrapes the processor as job dedup-processor', async () => {
    const up = await returnsData(`up{job="${SCRAPE_JOB}"}`);
    expect(up).toEqual([{ metric: expect.objectContaining({ job: SCRAPE_JOB }) as unknown, value: 1 }]);
  });

  // Grafana's $__rate_interval is at least four scrape intervals; one minute covers the traffic.
  const panels = panelQueries(buildOverviewDashboard()).map((q) => ({
    ...q,
    promql: q.expr.replaceAll(RATE_INTERVAL, '1m'),
  }));

  it('covers every panel of the overview dashboard', () => {
    expect(panels.length).toBeGreaterThanOrEqual(20);
    expect(panels.filter((p) => p.promql.includes('$'))).toEqual([]);
  });

  it.each(panels)('dashboard panel $panelId "$panel", query $refId, returns data', async ({ promql }) => {
    await returnsData(promql);
  });

  it.each(ALERTS.map((a) => ({ alert: a.name, signal: a.signal })))(
    'alert $alert: its signal (without the threshold) returns data',
    async ({ signal }) => {
      await returnsData(signal);
    },
  );

  it('processor down: the signal is the up series of the scraped processor, at 1', async () => {
    const down = ALERTS.find((a) => a.name === 'DedupProcessorDown')!;
    const samples = await returnsData(down.signal);
    expect(samples).toEqual([{ metric: expect.objectContaining({ job: SCRAPE_JOB }) as unknown, value: 1 }]);
  });

  it('evaluates every rule twin without error, and none fires on healthy traffic', async () => {
    const rules = await eventually(
      'every rule evaluated',
      async () => {
        const loaded = await prometheus!.rules();
        const evaluated = loaded.filter((r) => !r.lastEvaluation.startsWith('0001-'));
        return evaluated.length === ALERTS.length ? loaded : undefined;
      },
      30_000,
    );
    expect(rules.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual(
      ALERTS.map((a) => [a.name, 'ok', '']),
    );
    // The full conditions parse and run; DedupLateRateHigh is the one this traffic may trip (its
    // late share is high by design), so only the others must be quiet.
    for (const alert of ALERTS.filter((a) => a.name !== 'DedupLateRateHigh')) {
      expect({ alert: alert.name, firing: await prometheus!.query(alertExpr(alert)) }).toEqual({
        alert: alert.name,
        firing: [],
      });
    }
  });
});
