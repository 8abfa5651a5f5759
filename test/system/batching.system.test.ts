import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { createTopics, produce, readExactly } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * BATCH_MAX_RECORDS and BATCH_LINGER_MS: a backlog is decided and committed in transactions of at
 * most N records (never one giant one), with the same outputs as any other batching.
 */
describe('batch size limits', () => {
  const name = uniqueName('batch');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  const UNIQUE = 300;
  const MAX_RECORDS = 25;
  const event = (i: number) =>
    JSON.stringify({
      event_id: `b-${i}`,
      event_type: 'order.created',
      event_time: Date.now() - 5_000 + i,
      source: 'system-test',
      payload: { i },
      schema_version: 1,
    });
  const backlog: Message[] = [
    ...Array.from({ length: UNIQUE }, (_, i) => ({ key: 'one-partition', value: event(i) })),
    ...Array.from({ length: 50 }, (_, j) => ({ key: 'one-partition', value: event(j * 6) })),
  ];

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 1,
      [topics.output]: 1,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    await produce(topics.input, backlog);
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { BATCH_MAX_RECORDS: String(MAX_RECORDS), BATCH_LINGER_MS: '100' }),
      name,
    );
  });

  afterAll(async () => {
    expect(await processor?.stop()).toBe(0);
  });

  it('decides a backlog in transactions of at most BATCH_MAX_RECORDS, with the same outputs', async () => {
    const out = await readExactly(topics.output, UNIQUE);
    expect(new Set(out.map((r) => r.headers[DEDUP_HEADERS.eventId])).size).toBe(UNIQUE);
    await readExactly(topics.duplicates, 50);
    const metrics = await (await processor!.get('/metrics')).text();
    const committed = Number(
      /^dedup_kafka_transactions_total\{result="committed"\} (\d+)/m.exec(metrics)?.[1],
    );
    expect(committed).toBeGreaterThanOrEqual(Math.ceil(backlog.length / MAX_RECORDS));
  });
});
