import type { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import { loadConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { METRIC, MetricsService } from '../../platform/metrics/metrics.service';
import { OutputStabilityProbe, outputTopics } from './output-stability.probe';

const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', TOPIC_LATE: 'events.duplicates' });

/** The adapter's one method the probe calls; the real broker is the integration test's. */
function adapter(read: KafkaAdapter['lastStableOffsets']): KafkaAdapter {
  return { lastStableOffsets: read } as unknown as KafkaAdapter;
}

describe('OutputStabilityProbe', () => {
  it('probes each output topic once', () => {
    expect(outputTopics(config.topics)).toEqual(['events.deduped', 'events.duplicates', 'events.dlq']);
  });

  it('keeps the lag of every output partition, and exports it', async () => {
    const metrics = new MetricsService({ processMetrics: false });
    const probe = new OutputStabilityProbe(
      config,
      adapter((topics) =>
        Promise.resolve(
          topics.map((topic, i) => ({
            topic,
            partition: 0,
            endOffset: 10n + BigInt(i),
            lastStableOffset: 10n,
          })),
        ),
      ),
      metrics,
      new JsonLogger('error'),
    );
    expect(probe.latest()).toMatchObject({ outputs: [], error: 'not probed yet' });
    const result = await probe.refresh();
    expect(result).toEqual({
      at: expect.any(Date) as unknown,
      outputs: [
        { topic: 'events.deduped', partition: 0, lastStableOffsetLag: 0 },
        { topic: 'events.duplicates', partition: 0, lastStableOffsetLag: 1 },
        { topic: 'events.dlq', partition: 0, lastStableOffsetLag: 2 },
      ],
      error: null,
    });
    expect(probe.latest()).toBe(result);
    expect(await metrics.registry.getSingleMetricAsString(METRIC.outputLsoLagRecords)).toContain(
      'dedup_output_lso_lag_records{topic="events.dlq",partition="0"} 2',
    );
  });

  it('reports a failed probe as a value: counted, logged, the series dropped, never thrown', async () => {
    const metrics = new MetricsService({ processMetrics: false });
    let fail = false;
    const probe = new OutputStabilityProbe(
      config,
      adapter(() =>
        fail
          ? Promise.reject(new Error('broker unreachable'))
          : Promise.resolve([{ topic: 'events.deduped', partition: 0, endOffset: 5n, lastStableOffset: 1n }]),
      ),
      metrics,
      new JsonLogger('error'),
    );
    await probe.refresh();
    fail = true;
    expect(await probe.refresh()).toMatchObject({ outputs: [], error: 'broker unreachable' });
    expect(await metrics.registry.getSingleMetricAsString(METRIC.outputLsoProbeErrorsTotal)).toContain(
      'dedup_output_lso_probe_errors_total 1',
    );
    expect(await metrics.registry.getSingleMetricAsString(METRIC.outputLsoLagRecords)).not.toContain(
      'topic=',
    );
  });

  it('joins a probe under way rather than starting another', async () => {
    let calls = 0;
    const probe = new OutputStabilityProbe(
      config,
      adapter(() => {
        calls++;
        return new Promise((r) => setTimeout(() => r([]), 10));
      }),
      new MetricsService({ processMetrics: false }),
      new JsonLogger('error'),
    );
    const [a, b] = await Promise.all([probe.refresh(), probe.refresh()]);
    expect(a).toBe(b);
    expect(calls).toBe(1);
  });
});
