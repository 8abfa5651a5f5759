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

/** A partition's end offset and last stable offset (LSO), as librdkafka's ListOffsets reports them. */
export interface StableOffsets {
  readonly topic: string;
  readonly partition: number;
  /** The high watermark: one past the last record written, committed or not. */
  readonly end: bigint;
  /** How far a read_committed reader sees: the first offset of the oldest open transaction, else `end`. */
  readonly stable: bigint;
}

/**
 * End offsets and LSOs of every partition of `topics`. A producer killed inside a transaction leaves
 * it open until the broker aborts it (the transaction timeout, then the broker's next check): until
 * then, a read_committed reader (readTopic) stops at its first record and misses every record written
 * after it, committed or not. The end offsets are read first: the LSO only moves forward, so a
 * partition whose LSO, read afterwards, has reached that end had no open transaction below it.
 */
export async function stableOffsets(brokers: string, topics: readonly string[]): Promise<StableOffsets[]> {
  const partitions: { topic: string; partition: number }[] = [];
  for (const topic of topics) {
    const { stdout } = await run('kcat', ['-L', '-J', '-b', brokers, '-t', topic]);
    const metadata = JSON.parse(stdout) as {
      topics: { topic: string; partitions?: { partition: number }[]; error?: string }[];
    };
    const found = metadata.topics.find((t) => t.topic === topic);
    if (found?.partitions === undefined || found.error !== undefined) {
      throw new Error(`kcat: no metadata for topic ${topic}: ${found?.error ?? 'not listed'}`);
    }
    for (const p of found.partitions) partitions.push({ topic, partition: p.partition });
  }
  const latest = async (isolation: string): Promise<Map<string, bigint>> => {
    const args = ['-Q', '-b', brokers, '-X', `isolation.level=${isolation}`];
    for (const p of partitions) args.push('-t', `${p.topic}:${p.partition}:-1`);
    const { stdout } = await run('kcat', args);
    const out = new Map<string, bigint>();
    for (const line of stdout.split('\n')) {
      const m = /^(\S+) \[(\d+)\] offset (-?\d+)$/.exec(line.trim());
      if (m !== null) out.set(`${m[1]}/${m[2]}`, BigInt(m[3]!));
    }
    return out;
  };
  // In this order: see above.
  const ends = await latest('read_uncommitted');
  const stables = await latest('read_committed');
  return partitions.map(({ topic, partition }) => {
    const key = `${topic}/${partition}`;
    const end = ends.get(key);
    const stable = stables.get(key);
    if (end === undefined || end < 0n || stable === undefined || stable < 0n) {
      throw new Error(`kcat: no offsets for ${key} (end ${end}, stable ${stable})`);
    }
    return { topic, partition, end, stable };
  });
}
