import { DEDUP_HEADERS } from '@dedup/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { createTopics, produce, readExactly, type KcatRecord } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Issue 17 through the real broker: two input partitions, one goes idle, and the first record after
 * the idle timeout is judged against a watermark that no longer counts the idle partition (idleness
 * takes effect at the start of each batch, at the batch's wall-clock time: docs/semantics.md).
 */
describe('an idle partition stops holding the watermark back from the next batch on', () => {
  const name = uniqueName('idle');
  const topics = pipelineTopics(name);
  const IDLE_TIMEOUT_MS = 5_000;
  const semantics = {
    window: { kind: 'sliding', sizeMs: 3_600_000 },
    maxOutOfOrdernessMs: 5_000,
    allowedLatenessMs: 30_000,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
  };
  const env = pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) });
  const T = Date.now() - 60_000;
  const MIN = 60_000;
  const msg = (partition: number, id: string, eventTime: number): Message => ({
    partition,
    value: JSON.stringify({
      event_id: id,
      event_type: 'order.created',
      event_time: eventTime,
      payload: {},
      schema_version: 1,
    }),
  });
  let processor: ProcessorProcess | undefined;

  const ids = (records: KcatRecord[]) => records.map((r) => r.headers[DEDUP_HEADERS.eventId]);
  /** The stored pipeline watermark and the newest activity of any partition (epoch ms). */
  const stored = async () => {
    const { rows } = await testPool().query<{ watermark: string | null; activity: string }>(
      `SELECT (extract(epoch FROM max(pipeline_watermark)) * 1000)::bigint::text AS watermark,
              (extract(epoch FROM max(last_activity_at)) * 1000)::bigint::text AS activity
         FROM partition_watermark WHERE pipeline = $1`,
      [name],
    );
    const row = rows[0];
    return { watermark: Number(row?.watermark ?? NaN), lastActivityAt: Number(row?.activity ?? NaN) };
  };

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 2,
      [topics.output]: 1,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    processor = await ProcessorProcess.start(env, name);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('holds the watermark back while partition 1 is active', async () => {
    // Partition 1 first, so that it is observed (not late) and then holds the watermark back.
    await produce(topics.input, [msg(1, 'p1', T - 10 * MIN)]);
    await readExactly(topics.output, 1);
    await produce(topics.input, [msg(0, 'a', T - 2_000), msg(0, 'b', T)]);
    expect(ids(await readExactly(topics.output, 3))).toEqual(['p1', 'a', 'b']);
    // min(T − 5 s, T − 10 min − 5 s): partition 1 was still active when partition 0 was decided.
    expect((await stored()).watermark).toBe(T - 10 * MIN - 5_000);
  });

  it('sends the first record after the idle timeout to the late topic, and decides the next ones alike', async () => {
    const { lastActivityAt } = await stored();
    // Both partitions idle: nothing has been decided for longer than the idle timeout (the
    // processor's clock is this machine's).
    await sleep(Math.max(0, lastActivityAt + IDLE_TIMEOUT_MS + 1_000 - Date.now()));
    await produce(topics.input, [
      msg(0, 'c', T - 8 * MIN), // late: T − 8 min < (T − 5 s) − 30 s
      msg(0, 'e', T - 7 * MIN), // late against the same watermark
      msg(0, 'd', T - 1_000), //   within the lateness: unique
    ]);
    const late = await readExactly(topics.late, 2);
    expect(
      late.map((r) => [
        r.headers[DEDUP_HEADERS.eventId],
        Date.parse(r.headers[DEDUP_HEADERS.watermark] ?? ''),
        r.headers[DEDUP_HEADERS.latenessMs],
      ]),
    ).toEqual([
      ['c', T - 5_000, String(8 * MIN - 5_000)],
      ['e', T - 5_000, String(7 * MIN - 5_000)],
    ]);
    expect(ids(await readExactly(topics.output, 4))).toEqual(['p1', 'a', 'b', 'd']);
    expect(await readExactly(topics.duplicates, 0)).toEqual([]);
  });

  it('stores the watermark the late records were judged against, and the audit rows agree', async () => {
    expect((await stored()).watermark).toBe(T - 5_000);
    const { rows } = await testPool().query<{
      event_id: string;
      outcome: string;
      watermark: Date | null;
      lateness_ms: string | null;
    }>(
      `SELECT event_id, outcome, watermark, lateness_ms::text FROM event_audit
        WHERE pipeline = $1 AND event_id IN ('c', 'e', 'd') ORDER BY source_offset`,
      [name],
    );
    expect(rows).toEqual([
      {
        event_id: 'c',
        outcome: 'late',
        watermark: new Date(T - 5_000),
        lateness_ms: String(8 * MIN - 5_000),
      },
      {
        event_id: 'e',
        outcome: 'late',
        watermark: new Date(T - 5_000),
        lateness_ms: String(7 * MIN - 5_000),
      },
      // Kept records carry the watermark their batch was judged from, and are 0 ms behind it here.
      { event_id: 'd', outcome: 'unique', watermark: new Date(T - 5_000), lateness_ms: '0' },
    ]);
  });
});
