import { NodeSDK } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace';
import { setRecordSpans } from './record-tracing';

let sdk: NodeSDK | undefined;

/**
 * Is trace export asked for through the standard OTEL_* variables? Without any of them the SDK still
 * runs (real trace and span ids, so context propagates through every output record), but nothing is
 * exported and nothing tries to reach a collector.
 */
function exportRequested(env: NodeJS.ProcessEnv): boolean {
  const exporter = env['OTEL_TRACES_EXPORTER'];
  if (exporter !== undefined) return exporter !== 'none';
  return (
    env['OTEL_EXPORTER_OTLP_ENDPOINT'] !== undefined ||
    env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] !== undefined
  );
}

/**
 * Starts the OpenTelemetry Node SDK once, before Nest and before the Kafka and Postgres clients are
 * loaded (src/instrument.ts is main.ts's first import). Configuration is the standard OTEL_* env
 * (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_TRACES_SAMPLER, OTEL_PROPAGATORS, ...);
 * OTEL_SDK_DISABLED=true turns it off entirely. Telemetry reads its own OTEL_* variables by design.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (sdk !== undefined) return;
  const exporting = exportRequested(env);
  // Spans nobody receives are propagated, not built (record-tracing.ts).
  setRecordSpans(exporting);
  // The processor exports metrics through prom-client and logs as JSON lines, not through OTel.
  env['OTEL_METRICS_EXPORTER'] ??= 'none';
  env['OTEL_LOGS_EXPORTER'] ??= 'none';
  sdk = new NodeSDK({
    serviceName: env['OTEL_SERVICE_NAME'] ?? 'dedup-processor',
    ...(exporting ? {} : { spanProcessors: [new NoopSpanProcessor()] }),
  });
  sdk.start();
}

/** Flushes pending spans; called last on shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
