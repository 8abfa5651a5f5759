import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { kafkajsRequire } from './kafkajs-internals';
import { installRequestQueueTimerFix } from './kafkajs-request-queue';

// Integration tier: the real broker. With the fix, idle connections stop polling their queue every
// millisecond, and requests that had to queue (one in flight at a time) still all complete.
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');

describe('kafkajs RequestQueue timer fix on the real broker', () => {
  const RequestQueue = kafkajsRequire('./src/network/requestQueue/index.js') as {
    prototype: { checkPendingRequests: (this: unknown) => void };
  };
  const original = RequestQueue.prototype.checkPendingRequests;
  let checks = 0;

  beforeAll(() => {
    installRequestQueueTimerFix();
    RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
      checks++;
      original.call(this);
    };
  });
  afterAll(() => {
    RequestQueue.prototype.checkPendingRequests = original;
  });

  it('drains queued requests, then leaves idle connections alone', async () => {
    const kafka = new Kafka({
      clientId: 'request-queue-test',
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = `rq-${randomBytes(4).toString('hex')}`;
    const admin = kafka.admin();
    // One request in flight per connection: concurrent sends have to wait in the pending queue.
    const producer = kafka.producer({ maxInFlightRequests: 1, idempotent: true });
    await admin.connect();
    await producer.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
      const sends = Array.from({ length: 20 }, (_, i) =>
        producer.send({ topic, acks: -1, messages: [{ value: `m${i}` }] }),
      );
      await Promise.all(sends);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets[0]?.high).toBe('20');

      const before = checks;
      await new Promise((r) => setTimeout(r, 2_000));
      // kafkajs as shipped: about a thousand a second per connection.
      expect(checks - before).toBeLessThan(20);

      // The idle connections still serve new requests at once.
      await producer.send({ topic, acks: -1, messages: [{ value: 'after idle' }] });
      expect((await admin.fetchTopicOffsets(topic))[0]?.high).toBe('21');
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
