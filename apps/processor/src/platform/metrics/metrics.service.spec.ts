import { METRIC, MetricsService } from './metrics.service';

/** A metric's samples as { labels, value }, from the registry (as the health sampler reads them). */
async function samples(metrics: MetricsService, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map((v) => ({ labels: v.labels, value: v.value }));
}

describe('MetricsService: exactly-once health', () => {
  const metrics = () => new MetricsService({ processMetrics: false });

  it('exports transactions, fencing and rebalances at 0 before anything happened', async () => {
    const m = metrics();
    expect(await samples(m, METRIC.transactionsTotal)).toEqual([
      { labels: { result: 'committed' }, value: 0 },
      { labels: { result: 'aborted' }, value: 0 },
    ]);
    expect(await samples(m, METRIC.producerFencedTotal)).toEqual([{ labels: {}, value: 0 }]);
    expect(await samples(m, METRIC.consumerRebalancesTotal)).toEqual([{ labels: {}, value: 0 }]);
    expect(await samples(m, METRIC.consumerRestartsTotal)).toEqual([{ labels: {}, value: 0 }]);
    expect(await samples(m, METRIC.outputLsoProbeErrorsTotal)).toEqual([{ labels: {}, value: 0 }]);
  });

  it('counts them', async () => {
    const m = metrics();
    m.countTransaction('aborted');
    m.countProducerFenced();
    m.countRebalance();
    m.countRebalance();
    m.countConsumerRestart();
    expect(await samples(m, METRIC.transactionsTotal)).toContainEqual({
      labels: { result: 'aborted' },
      value: 1,
    });
    expect(await samples(m, METRIC.producerFencedTotal)).toEqual([{ labels: {}, value: 1 }]);
    expect(await samples(m, METRIC.consumerRebalancesTotal)).toEqual([{ labels: {}, value: 2 }]);
    expect(await samples(m, METRIC.consumerRestartsTotal)).toEqual([{ labels: {}, value: 1 }]);
  });

  it('stamps the input partition with the time of its last committed batch, in epoch seconds', async () => {
    const m = metrics();
    const before = Date.now() / 1000;
    m.observeCommittedBatch({
      topic: 'in',
      partition: 2,
      seconds: 0.01,
      recordTimestamps: [Date.now()],
      consumerLag: 0,
    });
    const [sample, ...rest] = await samples(m, METRIC.partitionLastCommitTimestampSeconds);
    expect(rest).toEqual([]);
    expect(sample?.labels).toEqual({ topic: 'in', partition: '2' });
    expect(sample?.value).toBeGreaterThanOrEqual(before);
    expect(sample?.value).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it("replaces the output LSO lag series with each probe's result", async () => {
    const m = metrics();
    m.setOutputLsoLags([
      { topic: 'out', partition: 0, lastStableOffsetLag: 12 },
      { topic: 'dlq', partition: 0, lastStableOffsetLag: 0 },
    ]);
    m.setOutputLsoLags([{ topic: 'out', partition: 0, lastStableOffsetLag: 0 }]);
    expect(await samples(m, METRIC.outputLsoLagRecords)).toEqual([
      { labels: { topic: 'out', partition: '0' }, value: 0 },
    ]);
    m.setOutputLsoLags([]);
    expect(await samples(m, METRIC.outputLsoLagRecords)).toEqual([]);
  });
});
