// Benchmark load: a constant offered rate of valid events into one topic, with re-sent duplicates, late
// events and Zipf-skewed aggregate keys (which pick the partition). Every record carries its produce
// time in the `bench-produced-at` header (epoch ms) and as its Kafka timestamp. Sends in batches
// (sendBatch, acks=-1) with several sends in flight, so the generator is not the bottleneck; reports
// what the broker acknowledged every second as JSON lines on stdout, and a summary at the end.
//
//   node tools/bench/load-generator.ts --brokers 127.0.0.1:22092 --topic bench.in --rate 10000 \
//     [--duration-s 60] [--duplicate-ratio 0.1] [--late-ratio 0.01] [--keys 10000] [--zipf 0.9] \
//     [--payload-bytes 256] [--partitions 4] [--max-in-flight 8] [--max-batch 2000]
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { PRODUCED_AT_HEADER } from './common.ts';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:22092' },
    topic: { type: 'string', default: 'bench.in' },
    rate: { type: 'string', default: '2000' },
    'duration-s': { type: 'string', default: '60' },
    'duplicate-ratio': { type: 'string', default: '0.1' },
    'late-ratio': { type: 'string', default: '0.01' },
    keys: { type: 'string', default: '10000' },
    zipf: { type: 'string', default: '0.9' },
    'payload-bytes': { type: 'string', default: '256' },
    partitions: { type: 'string', default: '4' },
    'max-in-flight': { type: 'string', default: '8' },
    'max-batch': { type: 'string', default: '2000' },
  },
});
const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a non-negative number`);
  return n;
};
const topic = values.topic;
const rate = num('rate');
const durationMs = num('duration-s') * 1000;
const duplicateRatio = num('duplicate-ratio');
const lateRatio = num('late-ratio');
const keyCount = Math.max(1, Math.floor(num('keys')));
const zipfExponent = num('zipf');
const payloadBytes = num('payload-bytes');
const partitions = Math.max(1, Math.floor(num('partitions')));
const maxInFlight = Math.max(1, Math.floor(num('max-in-flight')));
const maxBatch = Math.max(1, Math.floor(num('max-batch')));
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Cumulative Zipf weights over key ranks 1..n (exponent 0 = uniform); sampled by binary search. */
function zipfSampler(n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** s;
    cdf[k] = sum;
  }
  return () => {
    const x = Math.random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] ?? sum) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
const nextKeyRank = zipfSampler(keyCount, zipfExponent);
const types = ['order.created', 'order.paid', 'order.shipped', 'cart.updated'];

/** The JSON value without its padding is ~230 bytes; padding brings it to about --payload-bytes. */
const padding = 'x'.repeat(Math.max(0, payloadBytes - 230));
const recent: { key: string; value: string }[] = [];
let recentNext = 0;
const RECENT = 1000;

function nextRecord(now: number): { key: string; value: string } {
  const roll = Math.random();
  if (roll < duplicateRatio && recent.length > 0) {
    const original = recent[Math.floor(Math.random() * recent.length)];
    if (original !== undefined) return original;
  }
  const aggregate = `agg-${nextKeyRank()}`;
  const late = roll >= duplicateRatio && roll < duplicateRatio + lateRatio;
  const value = JSON.stringify({
    event_id: randomUUID(),
    event_type: types[Math.floor(Math.random() * types.length)],
    // Late: an hour behind (past any default window's allowed lateness); else up to 1 s out of order.
    event_time: late ? now - 3_600_000 : now - Math.floor(Math.random() * 1_000),
    source: 'bench-load-generator',
    aggregate_id: aggregate,
    payload: { amount: Math.round(Math.random() * 1e6) / 100, currency: 'EUR', pad: padding },
    schema_version: 1,
  });
  const record = { key: aggregate, value };
  if (!late) {
    if (recent.length < RECENT) recent.push(record);
    else recent[recentNext] = record;
    recentNext = (recentNext + 1) % RECENT;
  }
  return record;
}

const kafka = new Kafka({
  clientId: 'bench-load-generator',
  brokers: values.brokers.split(','),
  logLevel: logLevel.WARN,
});
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(topic)) {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
  });
}
await admin.disconnect();
const producer = kafka.producer({
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();

const state = { stopped: false };
const stopped = () => state.stopped;
process.once('SIGTERM', () => (state.stopped = true));
process.once('SIGINT', () => (state.stopped = true));

const started = Date.now();
let created = 0;
let acked = 0;
let failed = 0;
let inFlight = 0;
let lastError = '';
let ackedAtReport = 0;
let createdAtReport = 0;
let reportStart = started;
const inFlightDone: (() => void)[] = [];

function send(messages: Message[]): void {
  inFlight++;
  producer
    .sendBatch({ topicMessages: [{ topic, messages }], acks: -1 })
    .then(
      () => {
        acked += messages.length;
      },
      (error: unknown) => {
        failed += messages.length;
        lastError = String(error);
      },
    )
    .finally(() => {
      inFlight--;
      inFlightDone.shift()?.();
    });
}

const report = (now: number) => {
  out({
    type: 'tick',
    t0: reportStart,
    t1: now,
    acked: acked - ackedAtReport,
    created: created - createdAtReport,
    in_flight: inFlight,
    behind: Math.max(0, Math.floor((rate * (now - started)) / 1000) - created),
  });
  ackedAtReport = acked;
  createdAtReport = created;
  reportStart = now;
};

const TICK_MS = 5;
out({ type: 'start', at: started, rate, topic });
while (!stopped()) {
  const now = Date.now();
  if (now - started >= durationMs) break;
  if (now - reportStart >= 1000) report(now);
  // Records due by now at the offered rate; a generator that fell behind catches up in full batches.
  let due = Math.floor((rate * (now - started)) / 1000) - created;
  while (due > 0 && inFlight < maxInFlight) {
    const size = Math.min(due, maxBatch);
    const stamp = Date.now();
    const header = String(stamp);
    const messages: Message[] = new Array<Message>(size);
    for (let i = 0; i < size; i++) {
      const r = nextRecord(stamp);
      messages[i] = {
        key: r.key,
        value: r.value,
        timestamp: header,
        headers: { [PRODUCED_AT_HEADER]: header },
      };
    }
    created += size;
    due -= size;
    send(messages);
  }
  if (inFlight >= maxInFlight) await new Promise<void>((resolve) => inFlightDone.push(resolve));
  else await new Promise((r) => setTimeout(r, TICK_MS));
}
while (inFlight > 0) await new Promise<void>((resolve) => inFlightDone.push(resolve));
const ended = Date.now();
report(ended);
out({
  type: 'summary',
  offered_rate: rate,
  created,
  acked,
  failed,
  seconds: (ended - started) / 1000,
  achieved_rate: Math.round(acked / ((ended - started) / 1000)),
  ...(lastError === '' ? {} : { last_error: lastError }),
});
await producer.disconnect();
