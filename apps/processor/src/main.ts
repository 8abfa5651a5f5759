// Telemetry first: it must be running before Nest and the clients load (see instrument.ts).
import './instrument';
// Before anything loads kafkajs: its Encoder's allocations (see the module).
import { installEncoderAllocationFix } from './adapters/kafka/kafkajs-encoder-allocations';
installEncoderAllocationFix();
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { requestContextMiddleware } from './platform/http/request-context';
import { ConfigError, loadConfig } from './platform/config/app-config';
import { JsonLogger } from './platform/logging/json-logger';
import { shutdownTelemetry } from './platform/telemetry/telemetry';
import { PipelineTopicsRepository } from './adapters/postgres/pipeline-topics.repository';
import { PipelineService } from './data-plane/pipeline/pipeline.service';
import { withRetry, type RetryPolicy } from './data-plane/pipeline/retry';
import { StateExpiryService } from './data-plane/state/state-expiry.service';
import { BackfillService } from './control-plane/backfills/backfill.service';
import { ReplayService } from './control-plane/replays/replay.service';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new JsonLogger(config.logLevel, {
    service: 'dedup-processor',
    pipeline: config.pipeline.name,
  });
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- Nest declares its options as a class; its API takes a literal.
  const app = await NestFactory.create(AppModule.create(config, logger), { logger });
  // Before every route: the request id and the context the guard and the action log fill in.
  app.use(requestContextMiddleware);
  installGracefulShutdown(async () => {
    await app.close();
    await shutdownTelemetry();
  }, logger);
  await app.listen(config.http.port, config.http.host);
  logger.write('info', 'http listening', { url: `http://${config.http.host}:${config.http.port}` });
  // Consume only once HTTP (health, metrics) is up, so the process is observable from its first batch.
  await app.get(PipelineService).start();
  // Known to every processor sharing the database, so none of them backfills into these topics.
  // The process is ready by now: Postgres restarting at this moment is retried, not fatal.
  const topics = app.get(PipelineTopicsRepository);
  await withRetry(
    () => topics.register(config.pipeline.name, config.topics),
    STARTUP_RETRY,
    (attempt, error, delayMs) =>
      logger.write('warn', 'could not register the pipeline topics; retrying', {
        attempt,
        delay_ms: delayMs,
        error: String(error),
      }),
  );
  app.get(StateExpiryService).start();
  app.get(BackfillService).start();
  app.get(ReplayService).startPublisher();
}

/** Startup writes after the process is ready: about half a minute of retries through a Postgres restart. */
const STARTUP_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 250, maxDelayMs: 5_000 };

/**
 * SIGTERM/SIGINT: stop consuming (the in-flight batch finishes or aborts), close HTTP and the pool,
 * and exit 0; a shutdown that hangs is cut off after SHUTDOWN_TIMEOUT_MS with exit code 1.
 */
const SHUTDOWN_TIMEOUT_MS = 10_000;
function installGracefulShutdown(close: () => Promise<void>, logger: JsonLogger): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.write('info', 'shutting down', { signal });
    setTimeout(() => {
      logger.write('error', 'shutdown timed out', { timeout_ms: SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.write('error', 'shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
