// The benchmark's independent observer: reads the output topics with isolation.level=read_committed
// (so it sees only what a downstream consumer would) and, for every record, computes
// now − `bench-produced-at`. Every second it prints a JSON line with the interval's record count per
// topic and a sparse latency histogram (tools/bench/histogram.ts), for bench.ts to merge per step.
// Beside it, the same latency in two parts, split at the output record's Kafka timestamp, which the
// system under test leaves to its client (kafkajs stamps a record when it builds the produce request):
// `hp`, produce → published (fetch, batching, Postgres, the round's wait) and `hr`, published → read
// (the rest of the transaction, its commit markers, the probe's fetch).
//
//   node tools/bench/latency-probe.ts --brokers 127.0.0.1:22092 --topics a,b,c [--group bench-probe-1]
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { PRODUCED_AT_HEADER } from './common.ts';
import { LatencyHistogram } from './histogram.ts';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:22092' },
    topics: { type: 'string', default: 'bench.out' },
    group: { type: 'string', default: `bench-probe-${process.pid}` },
  },
});
const topics = values.topics.split(',');
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const kafka = new Kafka({
  clientId: 'bench-latency-probe',
  brokers: values.brokers.split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({
  groupId: values.group,
  readUncommitted: false,
  allowAutoTopicCreation: false,
  // Answer as soon as anything is committed: a long fetch wait would show up as latency.
  maxWaitTimeInMs: 50,
  minBytes: 1,
});
const histogram = new LatencyHistogram();
const toPublish = new LatencyHistogram();
const toRead = new LatencyHistogram();
let byTopic: Record<string, number> = {};
let missingHeader = 0;
let intervalStart = Date.now();

consumer.on(consumer.events.GROUP_JOIN, () => out({ type: 'ready', at: Date.now() }));
await consumer.connect();
await consumer.subscribe({ topics, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  partitionsConsumedConcurrently: 8,
  eachBatch: ({ batch }) => {
    const now = Date.now();
    let n = 0;
    for (const m of batch.messages) {
      n++;
      const raw = m.headers?.[PRODUCED_AT_HEADER];
      const first = Array.isArray(raw) ? raw[0] : raw;
      if (first === undefined) {
        missingHeader++;
        continue;
      }
      const producedAt = Number(first.toString());
      histogram.record(now - producedAt);
      const publishedAt = Number(m.timestamp);
      if (publishedAt >= producedAt) {
        toPublish.record(publishedAt - producedAt);
        toRead.record(now - publishedAt);
      }
    }
    byTopic[batch.topic] = (byTopic[batch.topic] ?? 0) + n;
    return Promise.resolve();
  },
});

const timer = setInterval(() => {
  const now = Date.now();
  const n = Object.values(byTopic).reduce((a, b) => a + b, 0);
  out({
    type: 'tick',
    t0: intervalStart,
    t1: now,
    n,
    by_topic: byTopic,
    missing_header: missingHeader,
    max: histogram.max,
    h: histogram.toSparse(),
    max_p: toPublish.max,
    hp: toPublish.toSparse(),
    max_r: toRead.max,
    hr: toRead.toSparse(),
  });
  histogram.clear();
  toPublish.clear();
  toRead.clear();
  byTopic = {};
  missingHeader = 0;
  intervalStart = now;
}, 1000);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  void consumer.disconnect().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
