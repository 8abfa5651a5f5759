import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { StateCache } from '@dedup/core';
import { DataSource } from 'typeorm';
import { BackfillController } from './backfill/backfill.controller';
import { BackfillRepository } from './backfill/backfill.repository';
import { BackfillService } from './backfill/backfill.service';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { HealthController } from './health/health.controller';
import { KafkaAdapter } from './kafka/kafka.adapter';
import { JsonLogger } from './logging/json-logger';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { createDataSource } from './persistence/data-source';
import { DedupRepository } from './persistence/dedup.repository';
import { StatsRepository } from './persistence/stats.repository';
import { BatchDecider } from './pipeline/batch-decider';
import { PipelineService } from './pipeline/pipeline.service';
import { StateExpiryRepository } from './persistence/state-expiry.repository';
import { StateExpiryService } from './state/state-expiry.service';
import { StatsController } from './stats/stats.controller';

@Module({})
export class AppModule implements OnApplicationShutdown {
  /** Builds the module around an already-parsed config and logger (see main.ts). */
  static create(config: AppConfig, logger: JsonLogger) {
    return {
      module: AppModule,
      controllers: [HealthController, MetricsController, StatsController, BackfillController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: JsonLogger, useValue: logger },
        { provide: 'PIPELINE', useValue: config.pipeline },
        {
          provide: DataSource,
          useFactory: async () =>
            createDataSource(
              config.database.url,
              config.database.poolSize,
              config.database.idleInTransactionTimeoutMs,
            ).initialize(),
        },
        // One cache per process, shared by every partition's batches and the expiry sweep.
        { provide: StateCache, useValue: new StateCache(config.state.cacheSize) },
        KafkaAdapter,
        MetricsService,
        DedupRepository,
        BatchDecider,
        StatsRepository,
        PipelineService,
        StateExpiryRepository,
        StateExpiryService,
        BackfillRepository,
        BackfillService,
      ],
    };
  }

  constructor(
    @Inject(PipelineService) private readonly pipeline: PipelineService,
    @Inject(BackfillService) private readonly backfills: BackfillService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  /** Stop consuming first (the in-flight batches finish), then close the pool. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pipeline.stop(), this.backfills.stop()]);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
