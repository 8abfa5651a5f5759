import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import {
  createTopics,
  produce,
  readExactly,
  readTopicWithKcat,
  type KcatRecord,
} from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Every outcome through the real broker, with event-time semantics: a sliding window, watermarks,
 * allowed lateness, the future guard, two key strategies, a processor restart (the watermark survives
 * it) and a replay of the same events at new offsets (no new uniques).
 */
describe('dedup semantics through the real broker', () => {
  const name = uniqueName('sem');
  const topics = pipelineTopics(name);
  const semantics = {
    keys: [
      { name: 'event_id', kind: 'event_id' },
      { name: 'order', kind: 'fields', fields: ['payload.order_id'] },
    ],
    window: { kind: 'sliding', sizeMs: 600_000 },
    maxOutOfOrdernessMs: 1_000,
    allowedLatenessMs: 5_000,
    idleTimeoutMs: 600_000,
    maxFutureSkewMs: 300_000,
  };
  const env = pipelineEnv(name, topics, {
    PIPELINE_SEMANTICS: JSON.stringify(semantics),
    STATE_EXPIRY_INTERVAL_MS: '1000',
  });
  const T = Date.now() - 60_000;
  const msg = (id: string, offsetMs: number, orderId: string): Message => ({
    key: 'one-key', // one partition: the order of decisions is the produce order
    value: JSON.stringify({
      event_id: id,
      event_type: 'order.created',
      event_time: T + offsetMs,
      payload: { order_id: orderId },
      schema_version: 1,
    }),
  });
  // watermark after a record = max event time - 1 s; late = event time < watermark - 5 s
  const first: Message[] = [
    msg('a', 0, 'o-a'), //                unique
    msg('b', 10_000, 'o-b'), //           unique; watermark T+9s
    msg('c', -10_000, 'o-c'), //          late: T-10s < T+4s, lateness 19 s
    msg('d', 5_000, 'o-d'), //            within lateness: unique
    msg('a', 6_000, 'o-a'), //            duplicate by event_id
    msg('e', 7_000, 'o-b'), //            duplicate by order (another id, same order)
    {
      key: 'one-key',
      value: JSON.stringify({
        event_id: 'f',
        event_type: 'x',
        event_time: Date.now() + 3_600_000,
        payload: { order_id: 'o-f' },
        schema_version: 1,
      }),
    }, //                                  invalid: an hour in the future
    {
      key: 'one-key',
      value: JSON.stringify({
        event_id: 'g',
        event_type: 'x',
        event_time: T,
        payload: {},
        schema_version: 1,
      }),
    }, // invalid: no order_id
    // Valid JSON that Postgres cannot store (U+0000 in a text key): the batch transaction fails, the
    // batch is decided record by record, and only this record becomes `failed`.
    msg('h\u0000nul', 8_000, 'o-h'),
  ];
  let processor: ProcessorProcess | undefined;

  const ids = (records: KcatRecord[]) => records.map((r) => r.headers[DEDUP_HEADERS.eventId]).sort();

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 2,
      [topics.output]: 1,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    processor = await ProcessorProcess.start(env, name);
    await produce(topics.input, first);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('decides every outcome by the contract', async () => {
    expect(ids(await readExactly(topics.output, 3))).toEqual(['a', 'b', 'd']);
    const dups = await readExactly(topics.duplicates, 2);
    expect(
      dups.map((r) => [r.headers[DEDUP_HEADERS.eventId], r.headers[DEDUP_HEADERS.strategy]]).sort(),
    ).toEqual([
      ['a', 'event_id'],
      ['e', 'order'],
    ]);
    const late = await readExactly(topics.late, 1);
    expect(late[0]!.headers[DEDUP_HEADERS.eventId]).toBe('c');
    expect(late[0]!.headers[DEDUP_HEADERS.latenessMs]).toBe('19000');
    expect(Date.parse(late[0]!.headers[DEDUP_HEADERS.watermark] ?? '')).toBe(T + 9_000);
    const dlq = await readExactly(topics.dlq, 3);
    expect(dlq.map((r) => r.headers[DEDUP_HEADERS.errorType]).sort()).toEqual([
      'event_time_in_future',
      'missing_key_field',
      'processing_failed',
    ]);
    const failed = dlq.find((r) => r.headers[DEDUP_HEADERS.outcome] === 'failed');
    expect(failed?.headers[DEDUP_HEADERS.reason]).toMatch(/^processing failed: /);
    const rows = await testPool().query<{ error_type: string }>(
      `SELECT error_type FROM dlq_record WHERE pipeline = $1 ORDER BY source_offset`,
      [name],
    );
    expect(rows.rows.map((r) => r.error_type)).toEqual([
      'event_time_in_future',
      'missing_key_field',
      'processing_failed',
    ]);
  });

  it('records the watermark and lateness on the audit row', async () => {
    const { rows } = await testPool().query<{ outcome: string; lateness_ms: string; watermark: Date }>(
      `SELECT outcome, lateness_ms::text, watermark FROM event_audit WHERE pipeline = $1 AND event_id = 'c'`,
      [name],
    );
    expect(rows).toEqual([{ outcome: 'late', lateness_ms: '19000', watermark: new Date(T + 9_000) }]);
  });

  it('keeps the watermark across a restart, and a replay of the same events yields no new unique', async () => {
    await readExactly(topics.output, 3);
    expect(await processor!.stop()).toBe(0);
    processor = await ProcessorProcess.start(env, `${name}-2`);
    // The same events again, at new offsets. The watermark came back from Postgres (T+9 s), so `a`
    // at T and `c` are now late, and every other copy is a duplicate; nothing is unique again.
    await produce(topics.input, first);
    await readExactly(topics.dlq, 6);
    const late = await readExactly(topics.late, 3);
    expect(ids(late)).toEqual(['a', 'c', 'c']);
    const dups = await readExactly(topics.duplicates, 2 + 4);
    expect(ids(dups)).toEqual(['a', 'a', 'b', 'd', 'e', 'e']);
    expect(ids(await readTopicWithKcat(topics.output))).toEqual(['a', 'b', 'd']);
  });

  it('reports the state size and keeps one state per key and strategy', async () => {
    const metrics = await eventually('state gauge', async () => {
      const text = await (await processor!.get('/metrics')).text();
      return /^dedup_state_keys [1-9]/m.test(text) ? text : undefined;
    });
    // a, b, d claimed by event_id and order: 6 states; nothing has expired (10 min window).
    expect(metrics).toMatch(/^dedup_state_keys 6$/m);
  });

  it('answers a repeat duplicate from the state cache', async () => {
    // The replay's copy of `b` was decided under b's row lock, which taught the cache b's claim:
    // one more copy is answered without locking (a hit), and is a duplicate of the same first record.
    await produce(topics.input, [msg('b', 9_000, 'o-b')]);
    const dups = await readExactly(topics.duplicates, 2 + 4 + 1);
    const firsts = dups
      .filter((r) => r.headers[DEDUP_HEADERS.eventId] === 'b')
      .map((r) => r.headers[DEDUP_HEADERS.firstOffset]);
    expect(new Set(firsts).size).toBe(1);
    const metrics = await (await processor!.get('/metrics')).text();
    expect(metrics).toMatch(/^dedup_state_cache_lookups_total\{result="hit"\} [1-9]/m);
    expect(metrics).toMatch(/^dedup_state_cache_entries [1-9]/m);
  });
});
