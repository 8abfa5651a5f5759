import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { createTopics, produce, readExactly, testKafka } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * PROCESSING_GUARANTEE=at_least_once (no Kafka transactions: publish, then commit the offset): the
 * same decisions, outputs, audit rows and committed offsets as exactly-once when nothing fails.
 * It is the benchmark's middle baseline and an option for consumers that dedup downstream.
 */
describe('at-least-once mode', () => {
  const name = uniqueName('alo');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  const UNIQUE = 150;
  const event = (i: number) =>
    JSON.stringify({
      event_id: `alo-${i}`,
      event_type: 'order.created',
      event_time: Date.now() - 2_000 + i,
      source: 'system-test',
      payload: { i },
      schema_version: 1,
    });
  const originals: Message[] = Array.from({ length: UNIQUE }, (_, i) => ({
    key: `k${i % 7}`,
    value: event(i),
  }));
  const resends: Message[] = Array.from({ length: 30 }, (_, j) => ({ key: `r${j}`, value: event(j * 5) }));

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 2,
      [topics.output]: 2,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    await produce(topics.input, originals);
    processor = await ProcessorProcess.start(
      { ...pipelineEnv(name, topics), PROCESSING_GUARANTEE: 'at_least_once' },
      name,
    );
    await produce(topics.input, resends);
  });

  afterAll(async () => {
    expect(await processor?.stop()).toBe(0);
    await closeTestPool();
  });

  it('publishes each unique event once and each re-send as a duplicate', async () => {
    const out = await readExactly(topics.output, UNIQUE);
    expect(new Set(out.map((r) => r.headers[DEDUP_HEADERS.eventId])).size).toBe(UNIQUE);
    const dups = await readExactly(topics.duplicates, resends.length);
    expect(dups.every((d) => d.headers[DEDUP_HEADERS.outcome] === 'duplicate')).toBe(true);
  });

  it('commits the input offsets and writes one audit row per record', async () => {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const committed = await eventually('offsets committed to the end', async () => {
        const [offsets, ends] = await Promise.all([
          admin.fetchOffsets({ groupId: `dedup-${name}`, topics: [topics.input] }),
          admin.fetchTopicOffsets(topics.input),
        ]);
        const sum = (xs: { offset: string }[]) => xs.reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
        const done = sum(offsets[0]?.partitions ?? []);
        return done === sum(ends) ? done : undefined;
      });
      expect(committed).toBe(UNIQUE + resends.length);
    } finally {
      await admin.disconnect();
    }
    const { rows } = await testPool().query<{ n: string }>(
      `SELECT count(*)::text AS n FROM event_audit WHERE pipeline = $1`,
      [name],
    );
    expect(Number(rows[0]?.n)).toBe(UNIQUE + resends.length);
  });
});
