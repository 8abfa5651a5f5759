import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { KafkaAdapter, PartitionFencedError, type KafkaEvent } from './kafka.adapter';

// Integration tier: the real broker. Zombie fencing by transactional id, as PipelineService uses it:
// the owner that takes a partition over fences the previous one *before* it reads the committed offset,
// so the previous owner can no longer commit a batch the new owner will process again.
const brokers = process.env['KAFKA_BROKERS'];
if (!brokers) throw new Error('KAFKA_BROKERS must point at a real Kafka broker: run `npm test`');

describe('KafkaAdapter on the real broker', () => {
  const name = `adapter-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    KAFKA_BROKERS: brokers,
    PIPELINE_NAME: name,
    TOPIC_INPUT: `${name}.in`,
    TOPIC_OUTPUT: `${name}.out`,
    TOPIC_PARTITIONS: '1',
    LOG_LEVEL: 'warn',
  });
  const adapters: KafkaAdapter[] = [];
  const adapter = () => {
    const a = new KafkaAdapter(config, new JsonLogger('warn'));
    adapters.push(a);
    return a;
  };
  afterAll(() => Promise.all(adapters.map((a) => a.stop())));

  it('fences the previous owner when a partition is taken over, before reading the committed offset', async () => {
    const input = config.topics.input;
    const output = config.topics.output;
    const zombie = adapter();
    const zombieEvents: KafkaEvent[] = [];
    zombie.onEvent((e) => zombieEvents.push(e));
    await zombie.ensureTopics([input, output], 1);
    expect(await zombie.fenceAndReadCommitted(input, 0)).toBeNull();

    const owner = adapter();
    const ownerEvents: KafkaEvent[] = [];
    owner.onEvent((e) => ownerEvents.push(e));
    expect(await owner.fenceAndReadCommitted(input, 0)).toBeNull();

    // The zombie's first transaction after the takeover: refused, whatever it had started.
    const batch = { topic: input, partition: 0, firstOffset: '0', nextOffset: '5' };
    await expect(
      zombie.commitBatch(batch, [{ topic: output, key: null, value: 'from the zombie', headers: {} }]),
    ).rejects.toBeInstanceOf(PartitionFencedError);
    expect(
      await owner.commitBatch(batch, [{ topic: output, key: null, value: 'from the owner', headers: {} }]),
    ).toBe('committed');
    // What dedup_kafka_producer_fenced_total and dedup_kafka_transactions_total count.
    expect(zombieEvents).toEqual([
      { kind: 'transaction-aborted' },
      { kind: 'producer-fenced', topic: input, partition: 0 },
    ]);
    expect(ownerEvents).toEqual([{ kind: 'transaction-committed' }]);

    // The next owner sees the owner's commit, at once (stable offsets).
    expect(await adapter().fenceAndReadCommitted(input, 0)).toBe(5n);
  });
});
