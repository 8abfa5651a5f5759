import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { createTopics, produce, readExactly, type KcatRecord } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Approximate mode through the real broker and Postgres: Bloom filters per generation instead of a
 * state row per key. Copies through two partitions are duplicates, outputs and audit rows say the
 * decision was approximate, the filters survive a restart (they live in Postgres), and the processor
 * exports the target and the estimated false-positive rate.
 */
describe('approximate mode through the real broker', () => {
  const name = uniqueName('approx');
  const topics = pipelineTopics(name);
  const semantics = {
    window: { kind: 'sliding', sizeMs: 600_000 },
    maxOutOfOrdernessMs: 1_000,
    allowedLatenessMs: 60_000,
    idleTimeoutMs: 600_000,
    approximate: { falsePositiveRate: 0.001, expectedKeysPerSecond: 50 },
  };
  const env = pipelineEnv(name, topics, {
    PIPELINE_SEMANTICS: JSON.stringify(semantics),
    STATE_EXPIRY_INTERVAL_MS: '1000',
  });
  const T = Date.now() - 60_000;
  const UNIQUE = 40;
  const msg = (id: string, i: number, key: string): Message => ({
    key, // the record key picks the input partition
    value: JSON.stringify({
      event_id: id,
      event_type: 'order.created',
      event_time: T + i * 100,
      payload: { n: i },
      schema_version: 1,
    }),
  });
  const originals = Array.from({ length: UNIQUE }, (_, i) => msg(`e${i}`, i, 'p-a'));
  // Every fourth event again, through other record keys (other partitions), a little later.
  const copies = Array.from({ length: UNIQUE / 4 }, (_, j) => msg(`e${4 * j}`, 4 * j + 1, `p-b${j}`));
  let processor: ProcessorProcess | undefined;

  const ids = (records: KcatRecord[]) => records.map((r) => r.headers[DEDUP_HEADERS.eventId]).sort();
  const metrics = async () => (await processor!.get('/metrics')).text();
  const gauge = (text: string, metric: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${metric} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 3,
      [topics.output]: 1,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    processor = await ProcessorProcess.start(env, name);
    await produce(topics.input, originals);
    await readExactly(topics.output, UNIQUE);
    await produce(topics.input, copies);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('dedups, and says on every output and audit row that the decision was approximate', async () => {
    const output = await readExactly(topics.output, UNIQUE);
    expect(new Set(ids(output)).size).toBe(UNIQUE);
    expect(output.every((r) => r.headers[DEDUP_HEADERS.approximate] === 'true')).toBe(true);
    const dups = await readExactly(topics.duplicates, copies.length);
    expect(ids(dups)).toEqual(Array.from({ length: UNIQUE / 4 }, (_, j) => `e${4 * j}`).sort());
    for (const d of dups) {
      expect(d.headers[DEDUP_HEADERS.approximate]).toBe('true');
      expect(d.headers[DEDUP_HEADERS.strategy]).toBe('event_id');
      // A Bloom filter knows that a key was seen, not where: no first-occurrence headers.
      expect(d.headers[DEDUP_HEADERS.firstOffset]).toBeUndefined();
      expect(d.headers[DEDUP_HEADERS.reason]).toMatch(
        /^probable duplicate by event_id: key found in the Bloom filter/,
      );
    }
    const { rows } = await testPool().query<{ outcome: string; approximate: boolean; n: string }>(
      `SELECT outcome, approximate, count(*)::text AS n FROM event_audit
        WHERE pipeline = $1 GROUP BY 1, 2 ORDER BY 1`,
      [name],
    );
    expect(rows).toEqual([
      { outcome: 'duplicate', approximate: true, n: String(copies.length) },
      { outcome: 'unique', approximate: true, n: String(UNIQUE) },
    ]);
    // No exact state: the Bloom stripes are the state.
    const claims = await testPool().query('SELECT 1 FROM dedup_claim WHERE pipeline = $1', [name]);
    expect(claims.rows).toHaveLength(0);
  });

  it('exports the target and the estimated false-positive rate', async () => {
    const text = await eventually('bloom gauges', async () => {
      const t = await metrics();
      return (gauge(t, 'dedup_bloom_generations') ?? 0) > 0 ? t : undefined;
    });
    expect(gauge(text, 'dedup_bloom_target_false_positive_rate')).toBe(0.001);
    const estimated = gauge(text, 'dedup_bloom_estimated_false_positive_rate') ?? NaN;
    // 40 keys in filters sized for 50/s x 150 s each: far below the target, but not zero.
    expect(estimated).toBeGreaterThan(0);
    expect(estimated).toBeLessThan(0.001);
    expect(gauge(text, 'dedup_bloom_bytes')).toBeGreaterThan(0);
    expect(gauge(text, 'dedup_state_keys')).toBe(0);
  });

  it('keeps the filters across a restart: copies sent afterwards are still duplicates', async () => {
    expect(await processor!.stop()).toBe(0);
    processor = await ProcessorProcess.start(env, `${name}-2`);
    await produce(topics.input, [msg('e1', 2, 'p-c'), msg('e2', 3, 'p-d'), msg('fresh', UNIQUE, 'p-e')]);
    const dups = await readExactly(topics.duplicates, copies.length + 2);
    expect(ids(dups).filter((id) => id === 'e1' || id === 'e2')).toEqual(['e1', 'e2']);
    expect(ids(await readExactly(topics.output, UNIQUE + 1))).toContain('fresh');
  });
});
