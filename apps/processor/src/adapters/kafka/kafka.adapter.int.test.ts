import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { KafkaAdapter, type CommitResult, type KafkaEvent } from './kafka.adapter';

// Integration tier: the real broker. The round's group commit as PipelineService uses it: the batches
// of the partitions consumed concurrently commit their outputs and offsets in one transaction of the
// instance's producer, with the generation they were consumed in (ADR 0017).
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');

describe('KafkaAdapter on the real broker', () => {
  const name = `adapter-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    KAFKA_BROKERS: brokers,
    PIPELINE_NAME: name,
    TOPIC_INPUT: `${name}.in`,
    TOPIC_OUTPUT: `${name}.out`,
    TOPIC_PARTITIONS: '4',
    LOG_LEVEL: 'warn',
  });
  const kafka = new Kafka({
    clientId: 'adapter-test',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  let adapter: KafkaAdapter | undefined;
  afterAll(() => adapter?.stop());

  it("commits a round's batches in one transaction, with their offsets, and commits them once", async () => {
    const input = config.topics.input;
    const output = config.topics.output;
    adapter = new KafkaAdapter(config, new JsonLogger('warn'));
    const events: KafkaEvent[] = [];
    adapter.onEvent((e) => events.push(e));
    await adapter.ensureTopics([input, output], 4);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      messages: [0, 1, 2, 3].flatMap((partition) =>
        [0, 1, 2].map((i) => ({ partition, value: `p${partition}-${i}` })),
      ),
    });
    await producer.disconnect();

    const results: CommitResult[] = [];
    const done = new Promise<void>((resolve) => {
      void adapter?.start(async (batch, control) => {
        const last = batch.records.at(-1);
        if (last === undefined) return;
        const read = await adapter?.readCommittedOffset(batch.topic, batch.partition);
        expect(read ?? null).toBeNull();
        const result = await adapter!.commitBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            firstOffset: batch.records[0]!.offset,
            nextOffset: (BigInt(last.offset) + 1n).toString(),
          },
          batch.records.map((r) => ({ topic: output, key: null, value: r.value, headers: {} })),
        );
        results.push(result);
        control.markProcessed(last.offset);
        if (results.length === 4) resolve();
      });
    });
    await done;
    expect(results).toEqual(['committed', 'committed', 'committed', 'committed']);
    const committed = await Promise.all([0, 1, 2, 3].map((p) => adapter!.readCommittedOffset(input, p)));
    expect(committed).toEqual([3n, 3n, 3n, 3n]);
    // Fewer transactions than batches when the round's batches meet (at most one per batch).
    const transactions = events.filter((e) => e.kind === 'transaction-committed').length;
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThanOrEqual(4);
    expect(events.filter((e) => e.kind !== 'transaction-committed' && e.kind !== 'group-joined')).toEqual([]);
    const stable = await adapter.lastStableOffsets([output]);
    expect(stable.reduce((n, p) => n + Number(p.lastStableOffset), 0)).toBeGreaterThanOrEqual(12);
  });
});
