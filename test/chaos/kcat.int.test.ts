import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { readTopic, stableOffsets } from './kcat';

// The chaos verifier's wait for open transactions (`settle`, docs/exactly-once.md): kcat must report
// a partition held back by an open transaction, and report it free once the transaction ends.
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');

describe('kcat stableOffsets on the real broker', () => {
  const kafka = new Kafka({
    clientId: 'kcat-stable-test',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  const producers: Producer[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const p of producers) await p.disconnect();
    await admin.disconnect();
  });

  it('reports a partition behind an open transaction until it ends, and readTopic stops there', async () => {
    const topic = `kcat-stable-${randomBytes(4).toString('hex')}`;
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    const plain = kafka.producer();
    const transactional = kafka.producer({
      transactionalId: `${topic}-tx`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    producers.push(plain, transactional);
    await plain.connect();
    await transactional.connect();

    const offsetOf = (sent: { partition: number; baseOffset?: string }[]) =>
      BigInt(sent[0]?.baseOffset ?? -1);
    await plain.send({ topic, messages: [{ partition: 0, value: 'before' }] });
    const txn = await transactional.transaction();
    const open = offsetOf(await txn.send({ topic, messages: [{ partition: 0, value: 'open' }] }));
    const after = offsetOf(
      await plain.send({
        topic,
        messages: [
          { partition: 0, value: 'after-1' },
          { partition: 0, value: 'after-2' },
        ],
      }),
    );
    await plain.send({ topic, messages: [{ partition: 1, value: 'elsewhere' }] });
    expect(open).toBeGreaterThanOrEqual(1n);
    expect(after).toBeGreaterThan(open);

    // A topic this new may not be in kcat's metadata answer at once: read again on an error (the
    // chaos harness's settle loop does the same), never on a wrong answer.
    const read = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await stableOffsets(brokers, [topic]);
        } catch (error) {
          if (attempt >= 30) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    // Partition 0 is held at the open transaction's first record; partition 1 is not held at all.
    const held = await read();
    expect(held).toEqual([
      { topic, partition: 0, end: after + 2n, stable: open },
      { topic, partition: 1, end: 1n, stable: 1n },
    ]);
    // What the verifier would read without waiting: the committed records behind it are missing.
    expect((await readTopic(brokers, topic)).map((r) => r.payload).sort()).toEqual(['before', 'elsewhere']);

    await txn.abort();
    let settled = await read();
    for (let i = 0; i < 100 && settled.some((o) => o.stable < o.end); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      settled = await read();
    }
    // The abort marker takes one more offset.
    expect(settled).toEqual([
      { topic, partition: 0, end: after + 3n, stable: after + 3n },
      { topic, partition: 1, end: 1n, stable: 1n },
    ]);
    expect((await readTopic(brokers, topic)).map((r) => r.payload).sort()).toEqual([
      'after-1',
      'after-2',
      'before',
      'elsewhere',
    ]);
  });

  it('fails loudly for a topic that does not exist', async () => {
    await expect(stableOffsets(brokers, [`kcat-missing-${randomBytes(4).toString('hex')}`])).rejects.toThrow(
      /no metadata for topic/,
    );
  });
});
