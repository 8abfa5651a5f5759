import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { UNSTABLE_OFFSET_COMMIT, installStableOffsetFetch } from './stable-offset-fetch';

// Integration tier: the real broker. What KafkaAdapter relies on: with the stable OffsetFetch, a
// transactional offset commit that is still pending is reported as such, never read as the old offset.
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('stable OffsetFetch (v7, require_stable) on the real broker', () => {
  const kafka = new Kafka({
    clientId: 'stable-offsets-test',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  const versions: number[] = [];

  beforeAll(async () => {
    installStableOffsetFetch();
    admin = kafka.admin();
    admin.on(admin.events.REQUEST, (e) => {
      if (e.payload.apiName === 'OffsetFetch') versions.push(e.payload.apiVersion);
    });
    await admin.connect();
  });
  afterAll(() => admin.disconnect());

  it('reports a pending transactional commit as unstable, then reads the committed offset', async () => {
    const input = unique('stable.in');
    const output = unique('stable.out');
    const groupId = unique('stable-group');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [input, output].map((topic) => ({ topic, numPartitions: 1 })),
    });
    const fetch = async () => {
      const topics = await admin.fetchOffsets({ groupId, topics: [input] });
      return topics[0]?.partitions[0]?.offset;
    };
    expect(await fetch()).toBe('-1');

    const producer = kafka.producer({
      transactionalId: unique('stable-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: output, messages: [{ value: 'x' }] });
      await txn.sendOffsets({
        consumerGroupId: groupId,
        topics: [{ topic: input, partitions: [{ partition: 0, offset: '42' }] }],
      });
      // The offset commit is written but its transaction is open: an unstable read would say -1.
      await expect(fetch()).rejects.toMatchObject({ type: UNSTABLE_OFFSET_COMMIT });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    let offset: string | undefined;
    for (let i = 0; i < 50 && offset === undefined; i++) {
      try {
        offset = await fetch();
      } catch (error) {
        if ((error as { type?: string }).type !== UNSTABLE_OFFSET_COMMIT) throw error;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(offset).toBe('42');
    expect(new Set(versions)).toEqual(new Set([7]));
  });
});
