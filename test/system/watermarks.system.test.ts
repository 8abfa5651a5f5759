import type { PartitionWatermark, WatermarksResponse } from '@dedup/contracts';
import { watermarksResponseSchema } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { produce, readExactly } from '../support/kafka-tools';
import { closeTestPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The Watermarks page's API (issue 15) on the real processor, broker and database: two input
 * partitions, partition 1 an event-time minute behind partition 0. While both send, partition 1
 * holds the pipeline watermark back; once it has been silent for the idle timeout it is idle, and
 * partition 0 (still sending) holds it instead, the pipeline watermark moved on to it.
 */
describe('GET /api/watermarks', () => {
  const name = uniqueName('wm');
  const topics = pipelineTopics(name);
  const OUT_OF_ORDERNESS_MS = 5_000;
  // Long enough for the first checks to run while both partitions are still active.
  const IDLE_TIMEOUT_MS = 8_000;
  const semantics = {
    window: { kind: 'sliding', sizeMs: 3_600_000 },
    maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS,
    allowedLatenessMs: 600_000,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
  };
  const T = Date.now();
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

  const watermarks = async (): Promise<WatermarksResponse> => {
    const res = await processor!.get('/api/watermarks');
    expect(res.status).toBe(200);
    return watermarksResponseSchema.parse(await res.json());
  };
  const partition = (body: WatermarksResponse, n: number): PartitionWatermark => {
    const p = body.partitions.find((x) => x.partition === n);
    if (p === undefined) throw new Error(`partition ${n} missing from ${JSON.stringify(body)}`);
    return p;
  };
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('lists the partitions Kafka has before any watermark row exists', async () => {
    const body = await eventually('both input partitions assigned', async () => {
      const b = await watermarks();
      return b.partitions.every((p) => p.owner?.thisInstance === true) ? b : undefined;
    });
    expect(body).toMatchObject({
      pipeline: name,
      topic: topics.input,
      maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      pipelineWatermark: null,
      heldBackBy: null,
    });
    expect(body.partitions).toEqual(
      [0, 1].map((n) => ({
        partition: n,
        watermark: null,
        maxEventTime: null,
        eventTimeLagMs: null,
        lastRecordAt: null,
        idle: true,
        idleForMs: null,
        committedOffset: null,
        endOffset: '0',
        recordsBehind: 0,
        owner: { instance: body.partitions[0]?.owner?.instance, thisInstance: true },
      })),
    );
    // Kafka client id, host and pid: the one instance this processor can name.
    expect(body.partitions[0]?.owner?.instance).toMatch(/^dedup-processor@.+\/\d+$/);
  });

  it('shows each partition watermark, and partition 1 holding the pipeline watermark back', async () => {
    // Partition 1 first, so it is observed (not late) and then holds the watermark back.
    await produce(topics.input, [msg(1, 'behind', T - 60_000)]);
    await readExactly(topics.output, 1);
    await produce(topics.input, [msg(0, 'a', T - 1_000), msg(0, 'b', T)]);
    await readExactly(topics.output, 3);
    const body = await eventually('both partitions decided', async () => {
      const b = await watermarks();
      return b.partitions.every((p) => p.recordsBehind === 0 && p.watermark !== null) ? b : undefined;
    });
    const now = Date.parse(body.now);
    const [p0, p1] = [partition(body, 0), partition(body, 1)];
    expect(p0).toMatchObject({
      watermark: iso(T - OUT_OF_ORDERNESS_MS),
      maxEventTime: iso(T),
      eventTimeLagMs: now - (T - OUT_OF_ORDERNESS_MS),
      idle: false,
      idleForMs: null,
      committedOffset: '1',
      endOffset: '2',
      recordsBehind: 0,
    });
    expect(p1).toMatchObject({
      watermark: iso(T - 60_000 - OUT_OF_ORDERNESS_MS),
      maxEventTime: iso(T - 60_000),
      eventTimeLagMs: now - (T - 60_000 - OUT_OF_ORDERNESS_MS),
      idle: false,
      committedOffset: '0',
      endOffset: '1',
      recordsBehind: 0,
    });
    for (const p of [p0, p1]) {
      expect(Date.parse(p.lastRecordAt ?? '')).toBeLessThanOrEqual(now);
      expect(now - Date.parse(p.lastRecordAt ?? '')).toBeLessThan(IDLE_TIMEOUT_MS);
    }
    expect(body.heldBackBy).toBe(1);
    expect(body.pipelineWatermark).toBe(iso(T - 60_000 - OUT_OF_ORDERNESS_MS));
  });

  it("charts each partition's watermark lag over time from the per-minute samples", async () => {
    const body = await eventually(
      'a watermark sample of both partitions',
      async () => {
        const b = await watermarks();
        return b.history.partitions.length === 2 ? b : undefined;
      },
      30_000,
    );
    expect(body.history).toMatchObject({ range: '1h', stepSeconds: 60, partitions: [0, 1] });
    expect(body.history.points).toHaveLength(60);
    const last = body.history.points.filter((p) => Object.keys(p.lagMs).length > 0).at(-1);
    // Sampled within the last minute: near the lag the partition rows give now.
    const now = Date.parse(body.now);
    expect(last?.lagMs['1']).toBeGreaterThan(now - (T - 60_000 - OUT_OF_ORDERNESS_MS) - 60_000);
    expect(last?.lagMs['1']).toBeLessThanOrEqual(now - (T - 60_000 - OUT_OF_ORDERNESS_MS));
    expect(last?.lagMs['1']).toBeGreaterThan(last?.lagMs['0'] ?? Infinity);
    const day = await processor!.get('/api/watermarks?range=24h');
    expect(watermarksResponseSchema.parse(await day.json()).history.stepSeconds).toBe(900);
    expect((await processor!.get('/api/watermarks?range=forever')).status).toBe(400);
  });

  it('counts records not decided yet as records behind', async () => {
    // Nothing about partition 1's lag can be asserted while the processor races it; Kafka's end
    // offset, though, moves at once, and the lag is never negative.
    await produce(topics.input, [msg(1, 'behind-2', T - 59_000)]);
    const body = await watermarks();
    expect(partition(body, 1).endOffset).toBe('2');
    expect([0, 1]).toContain(partition(body, 1).recordsBehind);
    await readExactly(topics.output, 4);
  });

  it('marks partition 1 idle after the idle timeout; partition 0, still sending, holds the watermark', async () => {
    // Partition 0 keeps sending (a batch recomputes the pipeline watermark), partition 1 is silent.
    let k = 1;
    const body = await eventually(
      'partition 1 idle, partition 0 holding the watermark back',
      async () => {
        await produce(topics.input, [msg(0, `tick-${k}`, T + k * 100)]);
        k += 1;
        await sleep(500);
        const b = await watermarks();
        const p0 = partition(b, 0);
        return partition(b, 1).idle && b.heldBackBy === 0 && b.pipelineWatermark === p0.watermark
          ? b
          : undefined;
      },
      IDLE_TIMEOUT_MS * 4,
      500,
    );
    const p1 = partition(body, 1);
    expect(p1.idleForMs).toBe(Date.parse(body.now) - Date.parse(p1.lastRecordAt ?? ''));
    expect(p1.idleForMs).toBeGreaterThan(IDLE_TIMEOUT_MS);
    expect(p1.watermark).toBe(iso(T - 59_000 - OUT_OF_ORDERNESS_MS));
    expect(partition(body, 0).idle).toBe(false);
    expect(Date.parse(body.pipelineWatermark ?? '')).toBeGreaterThanOrEqual(T - OUT_OF_ORDERNESS_MS);
  });
});
