import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC } from '../../platform/metrics/metrics.service';
import { counterDelta, histogramBuckets, readHealth } from './health-sample';

describe('health samples', () => {
  it('reads counters, latency buckets and gauges from a registry, summed over labels', async () => {
    const registry = new Registry();
    const registers = [registry];
    const tx = new Counter({ name: METRIC.transactionsTotal, help: 'h', labelNames: ['result'], registers });
    tx.inc({ result: 'committed' }, 5);
    tx.inc({ result: 'aborted' }, 1);
    const e2e = new Histogram({
      name: METRIC.endToEndLatencySeconds,
      help: 'h',
      buckets: [0.01, 0.1],
      registers,
    });
    e2e.observe(0.005);
    e2e.observe(0.05);
    e2e.observe(0.05);
    e2e.observe(3);
    const lag = new Gauge({
      name: METRIC.consumerLagRecords,
      help: 'h',
      labelNames: ['partition'],
      registers,
    });
    lag.set({ partition: '0' }, 3);
    lag.set({ partition: '1' }, 4);
    const reading = await readHealth(registry, [0.01, 0.1]);
    expect(reading.counters).toEqual({
      txCommitted: 5,
      txAborted: 1,
      fenced: 0,
      rebalances: 0,
      latency: [1, 2, 1],
    });
    expect(reading.gauges).toEqual({ consumerLag: 7, dlqOpen: null, dlqOldestAgeSeconds: null });
  });

  it('differences two readings; a counter that went back was reset', () => {
    const a = { txCommitted: 5, txAborted: 1, fenced: 0, rebalances: 1, latency: [1, 2, 1] };
    const b = { txCommitted: 9, txAborted: 1, fenced: 2, rebalances: 0, latency: [1, 5, 1] };
    expect(counterDelta(a, b)).toEqual({
      txCommitted: 4,
      txAborted: 0,
      fenced: 2,
      rebalances: 0,
      latency: [0, 3, 0],
    });
  });

  it('ignores series that are not buckets', () => {
    expect(histogramBuckets([], [1])).toEqual([0, 0]);
  });
});
