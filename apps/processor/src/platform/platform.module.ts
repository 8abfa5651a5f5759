import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDataSource } from '../adapters/postgres/data-source';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { JsonLogger } from './logging/json-logger';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';

/** What every part of the processor stands on: the config, the logger, the Postgres pool, metrics. */
@Global()
@Module({})
export class PlatformModule {
  static create(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        {
          provide: DataSource,
          useFactory: async () =>
            createDataSource(
              config.database.url,
              config.database.poolSize,
              config.database.idleInTransactionTimeoutMs,
            ).initialize(),
        },
        MetricsService,
      ],
      exports: [APP_CONFIG, JsonLogger, DataSource, MetricsService],
    };
  }
}
