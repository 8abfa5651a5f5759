import { RecordTrace } from './record-tracing';
import { shutdownTelemetry, startTelemetry } from './telemetry';

const context = { topic: 'in', partition: 1, offset: '42', consumerGroup: 'g', pipeline: 'p' };
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

describe('RecordTrace without recorded spans (the SDK started with no exporter configured)', () => {
  // The real start-up (src/instrument.ts) with no OTEL_* export settings: W3C propagation, no export.
  beforeAll(() => startTelemetry({}));
  afterAll(() => shutdownTelemetry());

  it("continues the producer's trace: same trace id, flags and tracestate, a new span id", () => {
    const headers = {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=value',
      other: 'kept',
    };
    const trace = RecordTrace.start(headers, context);
    expect(trace.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    const out = trace.inject(headers);
    const [, traceId, spanId, flags] = TRACEPARENT.exec(out['traceparent'] ?? '') ?? [];
    expect(traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(spanId).not.toBe('b7ad6b7169203331');
    expect(flags).toBe('01');
    expect(out['tracestate']).toBe('vendor=value');
    expect(out['other']).toBe('kept');
    trace.end('unique');
  });

  it('keeps an unsampled parent unsampled', () => {
    const trace = RecordTrace.start(
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' },
      context,
    );
    expect(trace.inject({})['traceparent']).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
  });

  it('starts a new sampled trace for a record without (valid) trace context, with fresh ids each time', () => {
    const seen = new Set<string>();
    const cases: Record<string, string>[] = [
      {},
      { traceparent: 'garbage' },
      { traceparent: `00-${'0'.repeat(32)}-${'1'.repeat(16)}-01` },
    ];
    for (const headers of cases) {
      for (let i = 0; i < 300; i++) {
        const out = RecordTrace.start(headers, context).inject({});
        const [, traceId, spanId, flags] = TRACEPARENT.exec(out['traceparent'] ?? '') ?? [];
        expect(traceId).not.toBe('0'.repeat(32));
        expect(spanId).not.toBe('0'.repeat(16));
        expect(flags).toBe('01');
        seen.add(`${traceId}-${spanId}`);
      }
    }
    expect(seen.size).toBe(900);
  });
});
