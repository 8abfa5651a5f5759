import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/app-config';
import { JsonLogger } from './logging/json-logger';
import { PipelineService } from './pipeline/pipeline.service';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = new JsonLogger(config.logLevel, { service: 'dedup-processor', pipeline: config.pipeline.name });
  const app = await NestFactory.create(AppModule.create(config, logger), { logger, bufferLogs: false });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.http.port, config.http.host);
  logger.write('info', 'http listening', { url: `http://${config.http.host}:${config.http.port}` });
  // Consume only once HTTP (health, metrics) is up, so the process is observable from its first batch.
  await app.get(PipelineService).start();
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  process.stderr.write(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
