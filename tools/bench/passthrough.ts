// Baseline for the benchmark: a plain kafkajs consume → produce pass-through, with no parsing, no
// dedup, no Postgres and no transactions (at-most/at-least-once, autoCommit). Records keep their key,
// value and headers (so `bench-produced-at` reaches the latency probe).
//
//   node tools/bench/passthrough.ts --brokers 127.0.0.1:22092 --input bench.pt.in --output bench.pt.out \
//     [--group bench-passthrough] [--concurrency 4]
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:22092' },
    input: { type: 'string', default: 'bench.pt.in' },
    output: { type: 'string', default: 'bench.pt.out' },
    group: { type: 'string', default: 'bench-passthrough' },
    // The processor consumes 4 partitions concurrently (kafka.adapter.ts): the same here.
    concurrency: { type: 'string', default: '4' },
  },
});
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const kafka = new Kafka({
  clientId: 'bench-passthrough',
  brokers: values.brokers.split(','),
  logLevel: logLevel.WARN,
});
const producer = kafka.producer({
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
const consumer = kafka.consumer({ groupId: values.group, allowAutoTopicCreation: false });
let forwarded = 0;
consumer.on(consumer.events.GROUP_JOIN, () => out({ type: 'ready', at: Date.now() }));
await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [values.input], fromBeginning: true });
await consumer.run({
  autoCommit: true,
  autoCommitInterval: 1000,
  partitionsConsumedConcurrently: Number(values.concurrency),
  eachBatch: async (payload) => {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    await producer.sendBatch({
      acks: -1,
      topicMessages: [
        {
          topic: values.output,
          messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        },
      ],
    });
    forwarded += batch.messages.length;
    await payload.heartbeat();
  },
});
let reported = 0;
let reportStart = Date.now();
const report = setInterval(() => {
  const now = Date.now();
  out({ type: 'tick', t0: reportStart, t1: now, n: forwarded - reported });
  reported = forwarded;
  reportStart = now;
}, 1000);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(report);
  void consumer
    .disconnect()
    .then(() => producer.disconnect())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
