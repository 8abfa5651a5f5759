import type { MetricValue, Registry } from 'prom-client';
import { METRIC } from '../../platform/metrics/metrics.service';

/** What one instance's counters read at one moment (monotonic: a sample is the difference of two). */
export interface HealthCounters {
  readonly txCommitted: number;
  readonly txAborted: number;
  readonly fenced: number;
  readonly rebalances: number;
  /** End-to-end latency observations per bucket (not cumulative), the last one +Inf. */
  readonly latency: readonly number[];
}

/** What one instance's gauges read at one moment; null when the gauge has no series (yet). */
export interface HealthGauges {
  readonly consumerLag: number | null;
  readonly dlqOpen: number | null;
  readonly dlqOldestAgeSeconds: number | null;
}

export interface HealthReading {
  readonly counters: HealthCounters;
  readonly gauges: HealthGauges;
}

type Values = readonly MetricValue<string>[];

async function values(registry: Registry, name: string): Promise<Values> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  return (await metric.get()).values;
}

const sum = (vs: Values, keep: (v: MetricValue<string>) => boolean = () => true): number =>
  vs.filter(keep).reduce((n, v) => n + v.value, 0);

/** The buckets of a histogram (all label sets summed), not cumulative, in `le` order, +Inf last. */
export function histogramBuckets(vs: Values, bounds: readonly number[]): number[] {
  const cumulative = new Array<number>(bounds.length + 1).fill(0);
  for (const v of vs) {
    if (!(v as { metricName?: string }).metricName?.endsWith('_bucket')) continue;
    const le = v.labels['le'];
    const at = le === '+Inf' ? bounds.length : bounds.indexOf(Number(le));
    if (at >= 0) cumulative[at] = (cumulative[at] ?? 0) + v.value;
  }
  return cumulative.map((c, i) => c - (i === 0 ? 0 : (cumulative[i - 1] ?? 0)));
}

/** Reads this instance's exactly-once, latency, lag and DLQ figures from its own registry. */
export async function readHealth(
  registry: Registry,
  latencyBounds: readonly number[],
): Promise<HealthReading> {
  const [tx, fenced, rebalances, latency, lag, dlqOpen, dlqOldest] = await Promise.all([
    values(registry, METRIC.transactionsTotal),
    values(registry, METRIC.producerFencedTotal),
    values(registry, METRIC.consumerRebalancesTotal),
    values(registry, METRIC.endToEndLatencySeconds),
    values(registry, METRIC.consumerLagRecords),
    values(registry, METRIC.dlqOpenRecords),
    values(registry, METRIC.dlqOldestOpenAgeSeconds),
  ]);
  return {
    counters: {
      txCommitted: sum(tx, (v) => v.labels['result'] === 'committed'),
      txAborted: sum(tx, (v) => v.labels['result'] === 'aborted'),
      fenced: sum(fenced),
      rebalances: sum(rebalances),
      latency: histogramBuckets(latency, latencyBounds),
    },
    gauges: {
      consumerLag: lag.length === 0 ? null : sum(lag),
      dlqOpen: dlqOpen.length === 0 ? null : sum(dlqOpen),
      dlqOldestAgeSeconds: dlqOldest.length === 0 ? null : Math.max(...dlqOldest.map((v) => v.value)),
    },
  };
}

/**
 * What happened between two readings. A counter that went down was reset (a registry cleared): its
 * whole new value is the difference, as Prometheus's `increase` reads it.
 */
export function counterDelta(before: HealthCounters, after: HealthCounters): HealthCounters {
  const d = (a: number, b: number) => (b >= a ? b - a : b);
  return {
    txCommitted: d(before.txCommitted, after.txCommitted),
    txAborted: d(before.txAborted, after.txAborted),
    fenced: d(before.fenced, after.fenced),
    rebalances: d(before.rebalances, after.rebalances),
    latency: after.latency.map((b, i) => d(before.latency[i] ?? 0, b)),
  };
}
