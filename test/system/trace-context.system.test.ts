import { createServer, type Server } from 'node:http';
import { DEDUP_HEADERS } from '@dedup/contracts';
import { createTopics, produce, readExactly, type KcatRecord } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess, freePort } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}
interface OtlpJson {
  resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/**
 * W3C trace context end to end: records produced with a known `traceparent` come out on every topic
 * with the same trace id and a parent span that is the processor's decision span, itself a child of
 * the producer's span (checked on the spans the processor exports over OTLP/HTTP JSON to a receiver
 * in this test), and the trace id is on the audit and DLQ rows.
 */
describe('trace context through the processor', () => {
  const name = uniqueName('trace');
  const topics = pipelineTopics(name);
  const producerSpan = (i: number) => `${'c'.repeat(14)}${String(i).padStart(2, '0')}`;
  const traceOf = (i: number) => `4bf92f3577b34da6a3ce929d0e0e${String(i).padStart(4, '0')}`;
  const spans: OtlpSpan[] = [];
  let receiver: Server | undefined;
  let processor: ProcessorProcess | undefined;

  beforeAll(async () => {
    const port = await freePort();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const json = JSON.parse(body) as OtlpJson;
        for (const rs of json.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(port, '127.0.0.1', resolve));
    await createTopics({ [topics.input]: 1 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      }),
      name,
    );
    const event = (id: string) =>
      JSON.stringify({
        event_id: id,
        event_type: 't',
        event_time: Date.now(),
        payload: {},
        schema_version: 1,
      });
    await produce(topics.input, [
      {
        key: 'k',
        value: event('one'),
        headers: { traceparent: `00-${traceOf(1)}-${producerSpan(1)}-01`, tracestate: 'vendor=x' },
      },
      { key: 'k', value: event('one'), headers: { traceparent: `00-${traceOf(2)}-${producerSpan(2)}-01` } },
      { key: 'k', value: 'not json', headers: { traceparent: `00-${traceOf(3)}-${producerSpan(3)}-01` } },
    ]);
  });

  afterAll(async () => {
    await processor?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await closeTestPool();
  });

  const parse = (r: KcatRecord) => {
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(r.headers['traceparent'] ?? '');
    if (!m) throw new Error(`no traceparent on ${r.topic}: ${JSON.stringify(r.headers)}`);
    return { traceId: m[1]!, spanId: m[2]! };
  };

  it('continues the producer trace on every output topic, through the decision span', async () => {
    const outputs = [
      { record: (await readExactly(topics.output, 1))[0]!, i: 1 },
      { record: (await readExactly(topics.duplicates, 1))[0]!, i: 2 },
      { record: (await readExactly(topics.dlq, 1))[0]!, i: 3 },
    ];
    expect(outputs[0]!.record.headers['tracestate']).toBe('vendor=x');
    for (const { record, i } of outputs) {
      const ctx = parse(record);
      expect(ctx.traceId).toBe(traceOf(i));
      // The output's parent is not the producer's span but the processor's decision span ...
      expect(ctx.spanId).not.toBe(producerSpan(i));
      const span = await eventually(`exported span ${ctx.spanId}`, () =>
        Promise.resolve(spans.find((s) => s.spanId === ctx.spanId)),
      );
      // ... which is a child of the producer's span, in the same trace, named by the conventions.
      expect(span.traceId).toBe(traceOf(i));
      expect(span.parentSpanId).toBe(producerSpan(i));
      expect(span.name).toBe(`process ${topics.input}`);
      expect(span.kind).toBe(5); // CONSUMER (OTLP enum)
      const attr = (key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;
      expect(attr('messaging.system')).toBe('kafka');
      expect(attr('messaging.destination.name')).toBe(topics.input);
      expect(attr('dedup.outcome')).toBe(record.headers[DEDUP_HEADERS.outcome]);
    }
  });

  it('stores the trace id on the audit and DLQ rows', async () => {
    await readExactly(topics.dlq, 1);
    const audit = await testPool().query<{ source_offset: string; trace_id: string }>(
      `SELECT source_offset::text, trace_id FROM event_audit WHERE pipeline = $1 ORDER BY source_offset`,
      [name],
    );
    expect(audit.rows.map((r) => r.trace_id)).toEqual([traceOf(1), traceOf(2), traceOf(3)]);
    const dlq = await testPool().query<{ trace_id: string }>(
      `SELECT trace_id FROM dlq_record WHERE pipeline = $1`,
      [name],
    );
    expect(dlq.rows).toEqual([{ trace_id: traceOf(3) }]);
  });
});
