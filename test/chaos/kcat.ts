import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A record as kcat (librdkafka) reads it: an independent client, not the processor's kafkajs. */
export interface TopicRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly payload: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

interface KcatJson {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/**
 * Reads a whole topic with kcat, `isolation.level=read_committed`, up to the end of every partition.
 * (test/support/kafka-tools.ts does the same against the `npm test` broker; this one takes the broker.)
 */
export async function readTopic(brokers: string, topic: string): Promise<TopicRecord[]> {
  const { stdout } = await run(
    'kcat',
    [
      '-C',
      '-b',
      brokers,
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
    { maxBuffer: 1024 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const r = JSON.parse(line) as KcatJson;
      const headers: Record<string, string> = {};
      const list = r.headers ?? [];
      for (let i = 0; i + 1 < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
      return { partition: r.partition, offset: r.offset, key: r.key, payload: r.payload, headers };
    });
}
