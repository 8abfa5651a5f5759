import { lineageResponseSchema, type LineageOccurrence, type LineageResponse } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { produce } from '../support/kafka-tools';
import { closeTestPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Lineage on the real processor (issue 15, "why was this event dropped?"): one event arrives, then a
 * copy of it under another key on the other partition (a duplicate), then, once both partitions'
 * watermarks moved on, a copy with its old event time (late); a poison record lands in the DLQ.
 * `GET /api/lineage` tells each occurrence's story by event id, and by the coordinates of one record.
 */
describe('lineage API', () => {
  const name = uniqueName('lineage');
  const topics = pipelineTopics(name);
  const semantics = {
    maxOutOfOrdernessMs: 1_000,
    allowedLatenessMs: 5_000,
    // Neither partition goes idle during the test: the pipeline watermark is the lower of the two.
    idleTimeoutMs: 600_000,
  };
  const T = Date.now() - 300_000;
  const EVENT = `order-${name}`;
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const valid = (id: string, eventTime: number, partition: number, key: string): Message => ({
    key,
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

  const search = async (query: string): Promise<{ status: number; body: unknown }> => {
    const res = await processor!.get(`/api/lineage?${query}`);
    return { status: res.status, body: await res.json() };
  };
  const lineage = async (query: string): Promise<LineageResponse> => {
    const res = await search(query);
    expect(res.status).toBe(200);
    return lineageResponseSchema.parse(res.body);
  };
  const occurrencesOf = (n: number) =>
    eventually(`${n} occurrences of ${EVENT}`, async () => {
      const body = await lineage(`eventId=${encodeURIComponent(EVENT)}`);
      return body.occurrences.length === n ? body : undefined;
    });

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
    // In steps, each decided before the next is sent, so the watermark is known at each decision.
    await produce(topics.input, [
      {
        ...valid(EVENT, T, 0, 'k-original'),
        headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
      },
      { key: 'poison', partition: 0, value: 'not json at all' },
    ]);
    await occurrencesOf(1);
    await produce(topics.input, [valid(EVENT, T + 1_000, 1, 'k-retry')]);
    await occurrencesOf(2);
    // Both partitions move to T+60 s: the pipeline watermark becomes T+59 s.
    await produce(topics.input, [
      valid(`newer-0-${name}`, T + 60_000, 0, 'k-newer'),
      valid(`newer-1-${name}`, T + 60_000, 1, 'k-newer'),
    ]);
    await eventually('the newer events decided', async () => {
      const body = await lineage(`eventId=${encodeURIComponent(`newer-1-${name}`)}`);
      return body.occurrences.length === 1 ? true : undefined;
    });
    await produce(topics.input, [valid(EVENT, T, 0, 'k-original')]);
    await occurrencesOf(3);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('tells every occurrence of an event id, in arrival order', async () => {
    const body = await lineage(`eventId=${encodeURIComponent(EVENT)}`);
    expect(body.query).toEqual({ eventId: EVENT, dedupKey: null, coordinates: null, limit: 100 });
    expect(body.eventId).toBe(EVENT);
    expect(body.truncated).toBe(false);
    const [unique, duplicate, late] = body.occurrences as [
      LineageOccurrence,
      LineageOccurrence,
      LineageOccurrence,
    ];
    expect(body.occurrences.map((o) => o.outcome)).toEqual(['unique', 'duplicate', 'late']);
    const times = body.occurrences.map((o) => o.processedAt);
    expect([...times].sort()).toEqual(times);

    expect(unique).toMatchObject({
      pipeline: name,
      backfillId: null,
      eventId: EVENT,
      coordinates: { topic: topics.input, partition: 0, offset: '0' },
      eventTime: new Date(T).toISOString(),
      firstOccurrence: null,
      traceId: TRACE,
      dlq: null,
      replay: null,
    });
    expect(unique.pipelineVersion).toBe('1');

    // The duplicate names the unique occurrence as its first.
    expect(duplicate.coordinates).toEqual({ topic: topics.input, partition: 1, offset: '0' });
    expect(duplicate.firstOccurrence).toMatchObject(unique.coordinates);
    expect(duplicate.firstOccurrence?.firstSeenAt).not.toBeNull();
    expect(duplicate.matchedStrategy).toBe('event_id');
    expect(duplicate.reason).toBe(`duplicate of ${topics.input}/0@0 by event_id`);

    // The late copy: judged against the watermark T+59 s, 59 s behind it.
    expect(late.coordinates.partition).toBe(0);
    expect(late.watermark).toBe(new Date(T + 59_000).toISOString());
    expect(late.latenessMs).toBe(59_000);
    expect(late.reason).toBe('event time is 59000 ms behind the watermark');
  });

  it('finds a record by its coordinates, with the whole story of its event id and its DLQ record', async () => {
    const byCoordinates = await lineage(`topic=${topics.input}&partition=1&offset=0`);
    expect(byCoordinates.query).toEqual({
      eventId: null,
      dedupKey: null,
      coordinates: { topic: topics.input, partition: 1, offset: '0' },
      limit: 100,
    });
    expect(byCoordinates.eventId).toBe(EVENT);
    expect(byCoordinates.occurrences.map((o) => o.outcome)).toEqual(['unique', 'duplicate', 'late']);

    // The poison record (offset 1 of partition 0) has no event id: its own occurrence, its DLQ record.
    const poison = await lineage(`topic=${topics.input}&partition=0&offset=1`);
    expect(poison.eventId).toBeNull();
    expect(poison.occurrences).toHaveLength(1);
    const [record] = poison.occurrences as [LineageOccurrence];
    expect(record).toMatchObject({ outcome: 'invalid', errorType: 'invalid_json', eventId: null });
    expect(record.dlq?.id).toMatch(/^\d+$/);
    expect(record.dlq?.status).toBe('open');
    const dlq = (await (await processor!.get(`/api/dlq/${record.dlq!.id}`)).json()) as {
      sourceOffset: string;
      sourcePartition: number;
    };
    expect(dlq).toMatchObject({ sourcePartition: 0, sourceOffset: '1' });

    // Nothing there, or an unknown id: an empty answer, not an error.
    expect((await lineage(`topic=${topics.input}&partition=0&offset=999`)).occurrences).toEqual([]);
    expect((await lineage('eventId=never-sent')).occurrences).toEqual([]);
  });

  it('finds every record of a dedup key, as the audit names it', async () => {
    const key = (await lineage(`eventId=${encodeURIComponent(EVENT)}`)).occurrences[0]?.dedupKey;
    expect(key).toBe(`event_id:${EVENT}`);
    const body = await lineage(`dedupKey=${encodeURIComponent(key as string)}`);
    expect(body.query).toEqual({ eventId: null, dedupKey: key, coordinates: null, limit: 100 });
    expect(body.eventId).toBe(EVENT);
    // The late copy touched no state, so the audit gives it no key: a key search finds the two.
    expect(body.occurrences.map((o) => o.outcome)).toEqual(['unique', 'duplicate']);
    expect((await lineage('dedupKey=event_id%3Anever-sent')).occurrences).toEqual([]);
  });

  it('caps the answer and says so', async () => {
    const body = await lineage(`eventId=${encodeURIComponent(EVENT)}&limit=2`);
    expect(body.occurrences.map((o) => o.outcome)).toEqual(['unique', 'duplicate']);
    expect(body.truncated).toBe(true);
  });

  it('refuses a search that names neither, both, or bad coordinates, with a message', async () => {
    const refused = async (query: string, message: RegExp) => {
      const res = await search(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect((res.body as { message: string }).message).toMatch(message);
    };
    await refused('', /eventId, dedupKey, or topic, partition and offset/);
    await refused(`eventId=x&topic=${topics.input}&partition=0&offset=0`, /one of eventId, dedupKey, or/);
    await refused('eventId=x&dedupKey=y', /one of eventId, dedupKey, or/);
    await refused(`topic=${topics.input}&partition=0`, /all three/);
    await refused(`topic=${topics.input}&partition=0&offset=abc`, /an offset: a whole number/);
    await refused(`topic=${topics.input}&partition=x&offset=0`, /a partition: a whole number/);
    await refused('eventId=x&limit=1001', /limit/);
    await refused('eventId=x&color=red', /color/);
  });
});
