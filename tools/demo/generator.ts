// Demo traffic for `npm start`: a steady stream of events into the input topic with duplicates
// (re-sends of recent events, sometimes through another partition), late events (event time well
// in the past) and a few malformed records (bad JSON, a missing field, non-UTF-8 bytes).
// Settings: DEMO_RATE (events/s, default 50), DEMO_DUPLICATE_RATIO (0.15), DEMO_LATE_RATIO (0.03),
// DEMO_INVALID_RATIO (0.01), KAFKA_BROKERS, TOPIC_INPUT.
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';

const env = (name: string, def: string) => process.env[name] ?? def;
const rate = Number(env('DEMO_RATE', '50'));
const duplicateRatio = Number(env('DEMO_DUPLICATE_RATIO', '0.15'));
const lateRatio = Number(env('DEMO_LATE_RATIO', '0.03'));
const invalidRatio = Number(env('DEMO_INVALID_RATIO', '0.01'));
const topic = env('TOPIC_INPUT', 'events.raw');
const brokers = env('KAFKA_BROKERS', '127.0.0.1:9092').split(',');

const types = ['order.created', 'order.paid', 'order.shipped', 'cart.updated'];
const recent: Message[] = [];

function traceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

function nextMessage(): Message {
  const roll = Math.random();
  if (roll < invalidRatio) {
    const kind = Math.floor(Math.random() * 3);
    const value =
      kind === 0
        ? Buffer.from('{"event_id": "broken')
        : kind === 1
          ? Buffer.from(JSON.stringify({ event_type: 'order.created', payload: {} }))
          : Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    return { key: null, value, headers: { traceparent: traceparent() } };
  }
  if (roll < invalidRatio + duplicateRatio && recent.length > 0) {
    const original = recent[Math.floor(Math.random() * recent.length)];
    // Half the re-sends take another key, so duplicates also cross partitions.
    if (original) return Math.random() < 0.5 ? original : { ...original, key: randomUUID() };
  }
  const aggregate = `agg-${Math.floor(Math.random() * 500)}`;
  const late = Math.random() < lateRatio;
  const event = {
    event_id: randomUUID(),
    event_type: types[Math.floor(Math.random() * types.length)],
    event_time: late ? Date.now() - 60 * 60 * 1000 : Date.now() - Math.floor(Math.random() * 2_000),
    source: 'demo-generator',
    aggregate_id: aggregate,
    payload: { amount: Math.round(Math.random() * 10_000) / 100, currency: 'EUR' },
    schema_version: 1,
  };
  const message: Message = {
    key: aggregate,
    value: JSON.stringify(event),
    headers: { traceparent: traceparent() },
  };
  recent.push(message);
  if (recent.length > 200) recent.shift();
  return message;
}

const kafka = new Kafka({ clientId: 'dedup-demo-generator', brokers, logLevel: logLevel.WARN });
const producer = kafka.producer({
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
});
await producer.connect();
const state = { stopped: false };
const stop = () => {
  state.stopped = true;
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const tickMs = 100;
let sent = 0;
let lastReport = Date.now();
while (!state.stopped) {
  const started = Date.now();
  const messages = Array.from({ length: Math.max(1, Math.round((rate * tickMs) / 1000)) }, nextMessage);
  try {
    await producer.send({ topic, messages });
    sent += messages.length;
  } catch (error) {
    // The input topic appears when the processor starts; until then, wait and try again.
    process.stdout.write(`${JSON.stringify({ level: 'warn', msg: 'send failed', error: String(error) })}\n`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  if (Date.now() - lastReport > 10_000) {
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'demo traffic', sent })}\n`);
    lastReport = Date.now();
  }
  await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - started))));
}
await producer.disconnect();
