import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import {
  groupMetadataOf,
  installGroupFencedOffsetCommit,
  withGroupMetadata,
  type GroupMetadata,
} from './group-fenced-offset-commit';
import { installStableOffsetFetch } from './stable-offset-fetch';

// Integration tier: the real broker. What KafkaAdapter's group commit relies on (ADR 0017): a
// transactional offset commit carries the generation its batch was consumed in, and the group
// coordinator refuses it once that generation is over.
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('group-fenced TxnOffsetCommit (v3) on the real broker', () => {
  const kafka = new Kafka({
    clientId: 'fenced-offsets-test',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  const versions: number[] = [];

  beforeAll(async () => {
    installStableOffsetFetch();
    installGroupFencedOffsetCommit();
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await consumer?.disconnect();
    await admin.disconnect();
  });

  it('takes the generation from the consumed batch; refuses a stale generation, accepts the current one', async () => {
    const input = unique('fenced.in');
    const output = unique('fenced.out');
    const groupId = unique('fenced-group');
    await admin.createTopics({
      waitForLeaders: true,
      topics: [input, output].map((topic) => ({ topic, numPartitions: 1 })),
    });
    const seed = kafka.producer();
    await seed.connect();
    await seed.send({ topic: input, messages: [{ value: 'a' }, { value: 'b' }] });
    await seed.disconnect();

    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [input], fromBeginning: true });
    const metadata = new Promise<GroupMetadata | undefined>((resolve) => {
      void consumer?.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: ({ batch }) => {
          resolve(groupMetadataOf(batch));
          return Promise.resolve();
        },
      });
    });
    const current = await metadata;
    expect(current).toEqual({
      generationId: expect.any(Number) as number,
      memberId: expect.stringMatching(/.+/) as string,
      groupInstanceId: null,
    });
    if (current === undefined) return;

    producer = kafka.producer({
      transactionalId: unique('fenced-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    producer.on(producer.events.REQUEST, (e) => {
      if (e.payload.apiName === 'TxnOffsetCommit') versions.push(e.payload.apiVersion);
    });
    await producer.connect();
    const commit = async (group: GroupMetadata) => {
      const txn = await producer!.transaction();
      try {
        await txn.send({ topic: output, messages: [{ value: String(group.generationId) }] });
        await txn.sendOffsets({
          consumerGroupId: groupId,
          topics: withGroupMetadata([{ topic: input, partitions: [{ partition: 0, offset: '2' }] }], group),
        });
        await txn.commit();
      } catch (error) {
        await txn.abort();
        throw error;
      }
    };

    await expect(commit({ ...current, generationId: current.generationId - 1 })).rejects.toMatchObject({
      type: 'ILLEGAL_GENERATION',
    });
    await expect(commit({ ...current, memberId: `${current.memberId}-not` })).rejects.toMatchObject({
      type: 'UNKNOWN_MEMBER_ID',
    });
    // The stable read (require_stable) answers UNSTABLE_OFFSET_COMMIT until the transaction's
    // markers reach the group coordinator, which EndTxn's answer does not wait for: ask again.
    const committedOffset = async (): Promise<string | undefined> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const topics = await admin.fetchOffsets({ groupId, topics: [input] });
          return topics[0]?.partitions[0]?.offset;
        } catch (error) {
          if ((error as { type?: string }).type !== 'UNSTABLE_OFFSET_COMMIT' || attempt >= 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    expect(await committedOffset()).toBe('-1');

    await commit(current);
    expect(await committedOffset()).toBe('2');
    expect(new Set(versions)).toEqual(new Set([3]));
  });
});
