import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { createTopics, produce, readExactly, readTopicWithKcat } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The whole path through the real parts: events with known duplicates and malformed records go
 * into a real broker; the built processor runs as its own process; an independent client (kcat)
 * reads every output topic read_committed; Postgres and /metrics are checked against ground truth.
 */
describe('walking skeleton: raw → dedup → outputs, audit, DLQ, metrics', () => {
  const name = uniqueName('st');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;

  const UNIQUE = 240;
  const event = (i: number) => ({
    event_id: `evt-${i}`,
    event_type: 'order.created',
    event_time: Date.now() - 1_000 + i,
    source: 'system-test',
    aggregate_id: `agg-${i % 17}`,
    payload: { i },
    schema_version: 1,
  });
  // Ground truth: 240 unique ids; 60 re-sends, half under another key so they land on another
  // partition; 12 malformed records of four kinds.
  const originals: Message[] = Array.from({ length: UNIQUE }, (_, i) => ({
    key: `agg-${i % 17}`,
    value: JSON.stringify(event(i)),
    headers: { traceparent: `00-${'a'.repeat(24)}${String(i).padStart(8, '0')}-${'b'.repeat(16)}-01` },
  }));
  const duplicates: Message[] = Array.from({ length: 60 }, (_, j) => {
    const i = (j * 7) % UNIQUE;
    return { ...originals[i]!, key: j % 2 === 0 ? `agg-${i % 17}` : `other-${j}` };
  });
  const malformed: Message[] = [
    ...Array.from({ length: 3 }, () => ({ key: 'bad', value: Buffer.from('{"event_id": "trunc') })),
    ...Array.from({ length: 3 }, () => ({ key: 'bad', value: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) })),
    ...Array.from({ length: 3 }, (_, k) => ({
      key: 'bad',
      value: JSON.stringify({ ...event(10_000 + k), event_id: undefined }),
    })),
    ...Array.from({ length: 3 }, (_, k) => ({
      key: 'bad',
      value: JSON.stringify({ ...event(20_000 + k), event_time: 'last tuesday' }),
    })),
  ];
  const TOTAL = UNIQUE + duplicates.length + malformed.length;

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 3,
      [topics.output]: 3,
      [topics.duplicates]: 3,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    // Half the traffic is a backlog before the processor starts; the rest arrives while it runs.
    await produce(topics.input, [
      ...originals.slice(0, 120),
      ...malformed.slice(0, 6),
      ...duplicates.slice(0, 30),
    ]);
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    await produce(topics.input, [...originals.slice(120), ...malformed.slice(6), ...duplicates.slice(30)]);
  });

  afterAll(async () => {
    expect(await processor?.stop()).toBe(0);
    await closeTestPool();
  });

  it('emits every unique event exactly once to the output topic', async () => {
    const out = await readExactly(topics.output, UNIQUE);
    const ids = out.map((r) => (JSON.parse(r.payload ?? 'null') as { event_id: string }).event_id);
    expect(new Set(ids).size).toBe(UNIQUE);
    expect([...ids].sort()).toEqual(originals.map((_, i) => `evt-${i}`).sort());
    for (const r of out) {
      expect(r.headers[DEDUP_HEADERS.outcome]).toBe('unique');
      // The trace continues downstream: same trace id, parent = the processor's decision span.
      expect(r.headers['traceparent']).toMatch(/^00-a{24}\d{8}-[0-9a-f]{16}-01$/);
      expect(r.headers['traceparent']).not.toMatch(/-b{16}-01$/);
    }
  });

  it('routes every re-send to the duplicates topic, pointing at the copy that was emitted', async () => {
    const out = await readExactly(topics.output, UNIQUE);
    const dups = await readExactly(topics.duplicates, duplicates.length);
    const emittedAt = new Map(
      out.map((r) => [
        r.headers[DEDUP_HEADERS.eventId],
        `${r.headers[DEDUP_HEADERS.sourcePartition]}@${r.headers[DEDUP_HEADERS.sourceOffset]}`,
      ]),
    );
    for (const d of dups) {
      expect(d.headers[DEDUP_HEADERS.outcome]).toBe('duplicate');
      const id = d.headers[DEDUP_HEADERS.eventId];
      expect(emittedAt.get(id)).toBe(
        `${d.headers[DEDUP_HEADERS.firstPartition]}@${d.headers[DEDUP_HEADERS.firstOffset]}`,
      );
      expect(d.headers[DEDUP_HEADERS.firstTopic]).toBe(topics.input);
      expect(Date.parse(d.headers[DEDUP_HEADERS.firstSeenAt] ?? '')).not.toBeNaN();
    }
  });

  it('sends malformed records to the DLQ topic and table with the reason, and the stream goes on', async () => {
    const dlq = await readExactly(topics.dlq, malformed.length);
    const types = dlq.map((r) => r.headers[DEDUP_HEADERS.errorType]).sort();
    expect(types).toEqual(
      [
        ...Array<string>(3).fill('invalid_json'),
        ...Array<string>(3).fill('invalid_utf8'),
        ...Array<string>(6).fill('schema_violation'),
      ].sort(),
    );
    for (const r of dlq) expect(r.headers[DEDUP_HEADERS.reason]?.length).toBeGreaterThan(0);
    const rows = await testPool().query<{
      error_type: string;
      error_message: string;
      original_value: Buffer;
    }>(`SELECT error_type, error_message, original_value FROM dlq_record WHERE pipeline = $1`, [name]);
    expect(rows.rows).toHaveLength(malformed.length);
    const originalBytes = malformed
      .map((m) => Buffer.from(m.value as string | Buffer).toString('hex'))
      .sort();
    expect(rows.rows.map((r) => r.original_value.toString('hex')).sort()).toEqual(originalBytes);
    expect(rows.rows.find((r) => r.error_type === 'schema_violation')?.error_message).toMatch(
      /event_id|event_time/,
    );
  });

  it('writes exactly one audit row per input record', async () => {
    await readExactly(topics.output, UNIQUE);
    const counts = await eventually('all audit rows', async () => {
      const { rows } = await testPool().query<{ outcome: string; n: string }>(
        `SELECT outcome, count(*)::text AS n FROM event_audit WHERE pipeline = $1 GROUP BY outcome`,
        [name],
      );
      const byOutcome = Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
      const total = Object.values(byOutcome).reduce((a, b) => a + b, 0);
      return total === TOTAL ? byOutcome : undefined;
    });
    expect(counts).toEqual({ unique: UNIQUE, duplicate: duplicates.length, invalid: malformed.length });
    const perRecord = await testPool().query(
      `SELECT source_partition, source_offset FROM event_audit WHERE pipeline = $1
        GROUP BY 1, 2 HAVING count(*) > 1`,
      [name],
    );
    expect(perRecord.rows).toEqual([]);
  });

  it('reports the same counts on /metrics and /api/stats', async () => {
    await readExactly(topics.dlq, malformed.length);
    const metrics = await (await processor!.get('/metrics')).text();
    const metric = (outcome: string) =>
      Number(
        new RegExp(
          `^dedup_events_total\\{topic="${topics.input.replace(/\./g, '\\.')}",outcome="${outcome}"\\} (\\d+)$`,
          'm',
        ).exec(metrics)?.[1],
      );
    expect(metric('unique')).toBe(UNIQUE);
    expect(metric('duplicate')).toBe(duplicates.length);
    expect(metric('invalid')).toBe(malformed.length);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    const stats = (await (await processor!.get('/api/stats')).json()) as { totals: Record<string, number> };
    expect(stats.totals).toEqual({
      unique: UNIQUE,
      duplicate: duplicates.length,
      late: 0,
      invalid: malformed.length,
      failed: 0,
    });
  });

  it('has written nothing to the late topic (every event is within the default lateness)', async () => {
    expect(await readTopicWithKcat(topics.late)).toEqual([]);
  });
});
