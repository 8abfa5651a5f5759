// Demo traffic for `npm start`: a steady stream of events into the input topic with duplicates
// (re-sends of recent events, sometimes through another partition), late events (event time well
// in the past) and a few malformed records (bad JSON, a missing field, non-UTF-8 bytes).
// Settings: DEMO_RATE (events/s, default 50), DEMO_DUPLICATE_RATIO (0.15), DEMO_LATE_RATIO (0.03),
// DEMO_INVALID_RATIO (0.01), KAFKA_BROKERS, TOPIC_INPUT.
// Reproducible streams: DEMO_SEED (a number) makes every choice and id deterministic, DEMO_COUNT stops
// after that many records, and DEMO_BASE_TIME (epoch ms) stamps event times from a fixed base instead
// of the clock; the same three settings produce the same records, byte for byte.
import { Kafka, Partitioners, logLevel, type Message } from 'kafkajs';

const env = (name: string, def: string) => process.env[name] ?? def;
const rate = Number(env('DEMO_RATE', '50'));
const duplicateRatio = Number(env('DEMO_DUPLICATE_RATIO', '0.15'));
const lateRatio = Number(env('DEMO_LATE_RATIO', '0.03'));
const invalidRatio = Number(env('DEMO_INVALID_RATIO', '0.01'));
const topic = env('TOPIC_INPUT', 'events.raw');
const count = process.env['DEMO_COUNT'] === undefined ? Infinity : Number(process.env['DEMO_COUNT']);
const baseTime =
  process.env['DEMO_BASE_TIME'] === undefined ? undefined : Number(process.env['DEMO_BASE_TIME']);

/** mulberry32: a tiny seeded PRNG, so a seed reproduces a stream exactly. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random =
  process.env['DEMO_SEED'] === undefined ? Math.random : seededRandom(Number(process.env['DEMO_SEED']));
const hex = (bytes: number) =>
  Array.from({ length: bytes }, () =>
    Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0'),
  ).join('');
const uuid = () => `${hex(4)}-${hex(2)}-4${hex(2).slice(1)}-${hex(2)}-${hex(6)}`;
let produced = 0;
/** Event time: from the fixed base when reproducing, else from the clock. */
const now = () => (baseTime === undefined ? Date.now() : baseTime + Math.floor((produced * 1000) / rate));
const brokers = env('KAFKA_BROKERS', '127.0.0.1:9092').split(',');

const types = ['order.created', 'order.paid', 'order.shipped', 'cart.updated'];
const recent: Message[] = [];

function traceparent(): string {
  return `00-${hex(16)}-${hex(8)}-01`;
}

function nextMessage(): Message {
  const roll = random();
  if (roll < invalidRatio) {
    const kind = Math.floor(random() * 3);
    const value =
      kind === 0
        ? Buffer.from('{"event_id": "broken')
        : kind === 1
          ? Buffer.from(JSON.stringify({ event_type: 'order.created', payload: {} }))
          : Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    return { key: null, value, headers: { traceparent: traceparent() } };
  }
  if (roll < invalidRatio + duplicateRatio && recent.length > 0) {
    const original = recent[Math.floor(random() * recent.length)];
    // Half the re-sends take another key, so duplicates also cross partitions.
    if (original) return random() < 0.5 ? original : { ...original, key: uuid() };
  }
  const aggregate = `agg-${Math.floor(random() * 500)}`;
  const late = random() < lateRatio;
  const event = {
    event_id: uuid(),
    event_type: types[Math.floor(random() * types.length)],
    event_time: late ? now() - 60 * 60 * 1000 : now() - Math.floor(random() * 2_000),
    source: 'demo-generator',
    aggregate_id: aggregate,
    payload: { amount: Math.round(random() * 10_000) / 100, currency: 'EUR' },
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
/** Read through a function: the flag changes in signal handlers, which flow analysis cannot see. */
const stopped = () => state.stopped;
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

const tickMs = 100;
let sent = 0;
let lastReport = Date.now();
while (!stopped() && produced < count) {
  const started = Date.now();
  const size = Math.min(Math.max(1, Math.round((rate * tickMs) / 1000)), count - produced);
  const messages = Array.from({ length: size }, () => {
    const m = nextMessage();
    produced++;
    return m;
  });
  // The input topic appears when the processor starts; until then, send the same records again.
  while (!stopped()) {
    try {
      await producer.send({ topic, messages });
      sent += messages.length;
      break;
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ level: 'warn', msg: 'send failed', error: String(error) })}\n`,
      );
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  if (Date.now() - lastReport > 10_000) {
    process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'demo traffic', sent })}\n`);
    lastReport = Date.now();
  }
  await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - started))));
}
await producer.disconnect();
