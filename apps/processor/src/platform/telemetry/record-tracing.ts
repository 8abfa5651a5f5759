import { randomFillSync } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  isSpanContextValid,
  propagation,
  trace,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

const tracer = trace.getTracer('dedup-processor');

/**
 * Whether decision spans are recorded (real SDK spans) or only propagated. Without a trace exporter
 * (the default: no OTEL_* export settings) a recorded span is built, attributed and ended only to be
 * dropped: ~8 % of the processor's CPU at saturation (docs/benchmarks.md). Then each decision gets a
 * non-recording span instead: the producer's trace id and flags, a fresh span id. The trace id in
 * audit rows and the `traceparent` of every output (pointing at that span id) are the same as with
 * recording on; only the span itself, which nobody would receive, is not built. telemetry.ts turns
 * recording on when it configures an exporter.
 */
let recordSpans = true;

export function setRecordSpans(on: boolean): void {
  recordSpans = on;
}

/** Random ids from a pooled buffer: one randomFillSync per 512 span ids instead of one per id. */
const idPool = Buffer.allocUnsafe(4096);
let idPos = idPool.length;
function randomHex(bytes: number): string {
  for (;;) {
    if (idPos + bytes > idPool.length) {
      randomFillSync(idPool);
      idPos = 0;
    }
    const hex = idPool.toString('hex', idPos, idPos + bytes);
    idPos += bytes;
    // All zeros is the invalid id of W3C trace context (a 2^-64 chance).
    if (/[^0]/.test(hex)) return hex;
  }
}

const getter: TextMapGetter<Readonly<Record<string, string>>> = {
  get: (carrier, key) => carrier[key],
  keys: (carrier) => Object.keys(carrier),
};
const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

export interface RecordSpanContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string;
  readonly pipeline: string;
}

/**
 * One span per decision, child of the producer's span (W3C `traceparent`/`tracestate` from the
 * record's headers), named and attributed by the OTel messaging conventions. A span per record rather
 * than one batch span with links: an operator following one event (from the console's audit row or a
 * downstream consumer) lands on a trace that contains its decision, and every output record's
 * `traceparent` points at that span. Records without trace context start a new trace.
 */
export class RecordTrace {
  private constructor(private readonly span: Span) {}

  static start(headers: Readonly<Record<string, string>>, c: RecordSpanContext): RecordTrace {
    const parent = propagation.extract(ROOT_CONTEXT, headers, getter);
    if (!recordSpans) {
      const from = trace.getSpanContext(parent);
      const valid = from !== undefined && isSpanContextValid(from);
      return new RecordTrace(
        trace.wrapSpanContext({
          traceId: valid ? from.traceId : randomHex(16),
          spanId: randomHex(8),
          traceFlags: valid ? from.traceFlags : TraceFlags.SAMPLED,
          ...(valid && from.traceState !== undefined ? { traceState: from.traceState } : {}),
        }),
      );
    }
    const span = tracer.startSpan(
      `process ${c.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': c.topic,
          'messaging.destination.partition.id': String(c.partition),
          'messaging.kafka.offset': Number(c.offset),
          'messaging.consumer.group.name': c.consumerGroup,
          'dedup.pipeline': c.pipeline,
        },
      },
      parent,
    );
    return new RecordTrace(span);
  }

  get traceId(): string {
    return this.span.spanContext().traceId;
  }

  /** The input's headers with this span's context in place of the producer's. */
  inject(headers: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = { ...headers };
    delete out['traceparent'];
    delete out['tracestate'];
    propagation.inject(trace.setSpan(ROOT_CONTEXT, this.span), out, setter);
    return out;
  }

  end(outcome: string, error?: unknown): void {
    this.span.setAttribute('dedup.outcome', outcome);
    if (error !== undefined) {
      this.span.recordException(error instanceof Error ? error : { message: JSON.stringify(error) });
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }
}
