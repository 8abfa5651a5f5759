import { DEDUP_HEADERS, dlqListResponseSchema, dlqRecordSchema } from '@dedup/contracts';
import { produceCompressed, readExactly, readTopicWithKcat, testEvent } from '../support/kafka-tools';
import { closeTestPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Records the broker took compressed, but that the processor could not forward whole (a record the
 * broker refuses is not retriable, and it used to stop the consumer for good: the pipeline stalled
 * while /health/ready said ready). With the defaults (MAX_PAYLOAD_BYTES and MAX_OUTPUT_RECORD_BYTES
 * both 1 MiB, the broker's default message.max.bytes):
 * - a 2 MB event goes to the DLQ topic without its value, and to the DLQ table whole;
 * - a valid event too close to the broker's limit to carry the processor's headers is
 *   payload_too_large, while one a little smaller is forwarded whole;
 * - the pipeline carries on.
 */
describe('records too large to forward', () => {
  const name = uniqueName('oversized');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;

  const huge = testEvent('huge', 2_000_000);
  const nearLimit = testEvent('near-limit', 1_046_000);
  const fits = testEvent('fits', 1_040_000);

  beforeAll(async () => {
    await createPipelineTopics(topics);
    await produceCompressed(topics.input, [
      testEvent('before', 10),
      huge,
      nearLimit,
      fits,
      testEvent('after', 10),
    ]);
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('forwards what fits, whole, and carries on past what does not', async () => {
    const out = await readExactly(topics.output, 3, 120_000);
    expect(out.map((r) => r.key)).toEqual(['before', 'fits', 'after']);
    expect(out[1]?.payload).toBe(fits.value);
    // Still consuming: a record produced now comes out too.
    await produceCompressed(topics.input, [testEvent('later', 10)]);
    expect((await readExactly(topics.output, 4, 60_000)).at(-1)?.key).toBe('later');
  });

  it('sends the too-large records to the DLQ topic without their value, with their size and reason', async () => {
    const dlq = await readExactly(topics.dlq, 2);
    expect(dlq.map((r) => r.key)).toEqual(['huge', 'near-limit']);
    for (const r of dlq) {
      expect(r.payload).toBeNull();
      expect(r.headers[DEDUP_HEADERS.errorType]).toBe('payload_too_large');
      expect(r.headers[DEDUP_HEADERS.outcome]).toBe('invalid');
    }
    const [big, near] = dlq;
    // Key, value and the record's own headers (the test client's trace context among them).
    const bytes = Number(big?.headers[DEDUP_HEADERS.originalBytes]);
    expect(bytes).toBeGreaterThanOrEqual(huge.key.length + huge.value.length);
    expect(bytes).toBeLessThan(huge.key.length + huge.value.length + 200);
    expect(big?.headers[DEDUP_HEADERS.reason]).toMatch(/above the limit of 1048576/);
    expect(near?.headers[DEDUP_HEADERS.reason]).toMatch(/1048576-byte limit of an output record/);
    // Nothing else reached any topic: read_committed, by an independent client.
    expect(await readTopicWithKcat(topics.duplicates)).toHaveLength(0);
  });

  it('keeps every byte of them in the DLQ table (what triage and replay read)', async () => {
    const list = await eventually('2 DLQ rows', async () => {
      const res = await processor!.get('/api/dlq?errorType=payload_too_large');
      const body = dlqListResponseSchema.parse(await res.json());
      return body.records.length === 2 ? body.records : undefined;
    });
    const row = list.find((r) => r.sourceOffset === '1');
    expect(row).toBeDefined();
    const res = await processor!.get(`/api/dlq/${row!.id}`);
    expect(res.status).toBe(200);
    const record = dlqRecordSchema.parse(await res.json());
    expect(Buffer.from(record.valueBase64 ?? '', 'base64').toString()).toBe(huge.value);
  });
});
