import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CompressionTypes, Kafka, Partitioners, logLevel, type Message } from 'kafkajs';
import { eventually, realStack } from './real-stack';

const run = promisify(execFile);

export function testKafka(): Kafka {
  return new Kafka({
    clientId: 'dedup-tests',
    brokers: realStack().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
}

export async function createTopics(topics: Record<string, number>): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: Object.entries(topics).map(([topic, numPartitions]) => ({
        topic,
        numPartitions,
        replicationFactor: 1,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

export async function produce(topic: string, messages: Message[]): Promise<void> {
  const producer = testKafka().producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}

/**
 * Produces gzip'd, each message in its own request (a batch of one), as a producer batching large
 * JSON would: the broker checks a record's compressed size, so it takes values far above its limit.
 */
export async function produceCompressed(topic: string, messages: Message[]): Promise<void> {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const message of messages) {
      await producer.send({ topic, compression: CompressionTypes.GZIP, messages: [message] });
    }
  } finally {
    await producer.disconnect();
  }
}

/** A valid input event keyed by its id, with a payload of `payloadChars` characters. */
export function testEvent(id: string, payloadChars = 10): { key: string; value: string } {
  return {
    key: id,
    value: JSON.stringify({
      event_id: id,
      event_type: 't',
      event_time: Date.now(),
      payload: 'x'.repeat(payloadChars),
      schema_version: 1,
    }),
  };
}

/** A record as kcat (librdkafka) reads it: an independent client, not the processor's kafkajs. */
export interface KcatRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers: Record<string, string>;
}

interface KcatJson {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/** Reads a whole topic with kcat, isolation.level=read_committed, exiting at the end of each partition. */
export async function readTopicWithKcat(topic: string): Promise<KcatRecord[]> {
  const { stdout } = await run(
    'kcat',
    [
      '-C',
      '-b',
      realStack().kafkaBrokers.join(','),
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-J',
      '-q',
      '-X',
      'isolation.level=read_committed',
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const r = JSON.parse(line) as KcatJson;
      const headers: Record<string, string> = {};
      const list = r.headers ?? [];
      for (let i = 0; i + 1 < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
      return {
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        key: r.key,
        payload: r.payload,
        headers,
      };
    });
}

/** Waits until the topic holds exactly `count` committed records (and stays there for a moment). */
export async function readExactly(topic: string, count: number, timeoutMs = 90_000): Promise<KcatRecord[]> {
  const records = await eventually(
    `${count} committed records in ${topic}`,
    async () => {
      const seen = await readTopicWithKcat(topic);
      if (seen.length > count) throw new Error(`${topic} has ${seen.length} records, more than ${count}`);
      return seen.length === count ? seen : undefined;
    },
    timeoutMs,
    500,
  );
  return records;
}
