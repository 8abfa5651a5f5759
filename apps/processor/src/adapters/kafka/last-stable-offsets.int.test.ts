import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { KafkaAdapter } from './kafka.adapter';
import { stableOffsetLag } from './last-stable-offsets';

// Integration tier: the real broker. What dedup_output_lso_lag_records reports: an output partition
// with an open transaction has a last stable offset behind its end, and none once it commits.
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');

describe('KafkaAdapter.lastStableOffsets on the real broker', () => {
  const name = `lso-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ KAFKA_BROKERS: brokers, PIPELINE_NAME: name, LOG_LEVEL: 'warn' });
  const kafka = new Kafka({ clientId: 'lso-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const adapter = new KafkaAdapter(config, new JsonLogger('warn'));
  const output = `${name}.out`;
  const other = `${name}.late`;
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: output, numPartitions: 2 },
        { topic: other, numPartitions: 1 },
      ],
    });
  });
  afterAll(async () => {
    await adapter.stop();
    await admin.disconnect();
  });

  const lags = async () =>
    (await adapter.lastStableOffsets([output, other])).map((o) => ({
      topic: o.topic,
      partition: o.partition,
      end: o.endOffset,
      lag: stableOffsetLag(o),
    }));

  it('is above 0 while a transaction is open on the partition, and 0 once it commits', async () => {
    expect(await lags()).toEqual([
      { topic: other, partition: 0, end: 0n, lag: 0 },
      { topic: output, partition: 0, end: 0n, lag: 0 },
      { topic: output, partition: 1, end: 0n, lag: 0 },
    ]);

    const producer = kafka.producer({
      transactionalId: `${name}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: output, messages: [1, 2, 3].map((i) => ({ value: `r${i}`, partition: 1 })) });
      // Open: the three records are past the LSO (read_committed readers wait for them).
      expect(await lags()).toEqual([
        { topic: other, partition: 0, end: 0n, lag: 0 },
        { topic: output, partition: 0, end: 0n, lag: 0 },
        { topic: output, partition: 1, end: 3n, lag: 3 },
      ]);
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    // Committed: the end moved past the commit marker, and the LSO with it (once the marker is written).
    let after = await lags();
    for (let i = 0; i < 50 && after.some((o) => o.lag > 0); i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await lags();
    }
    expect(after).toEqual([
      { topic: other, partition: 0, end: 0n, lag: 0 },
      { topic: output, partition: 0, end: 0n, lag: 0 },
      { topic: output, partition: 1, end: 4n, lag: 0 },
    ]);
  });
});
