import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  propagation,
  trace,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';

const tracer = trace.getTracer('dedup-processor');

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
