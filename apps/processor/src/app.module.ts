import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ControlPlaneModule } from './control-plane/control-plane.module';
import { BackfillService } from './control-plane/backfills/backfill.service';
import { ReplayService } from './control-plane/replays/replay.service';
import { DataPlaneModule } from './data-plane/data-plane.module';
import { PipelineService } from './data-plane/pipeline/pipeline.service';
import type { AppConfig } from './platform/config/app-config';
import { JsonLogger } from './platform/logging/json-logger';
import { PlatformModule } from './platform/platform.module';

/**
 * The processor (docs/adr/0007): the platform (config, logging, Postgres, metrics) under a data plane
 * (the live pipeline) and a control plane (the HTTP API and the jobs it starts).
 */
@Module({})
export class AppModule implements OnApplicationShutdown {
  /** Builds the module around an already-parsed config and logger (see main.ts). */
  static create(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.create(config, logger), DataPlaneModule, ControlPlaneModule],
    };
  }

  constructor(
    @Inject(PipelineService) private readonly pipeline: PipelineService,
    @Inject(BackfillService) private readonly backfills: BackfillService,
    @Inject(ReplayService) private readonly replays: ReplayService,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  /** Stop consuming first (the in-flight batches finish), then close the pool. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.pipeline.stop(), this.backfills.stop(), this.replays.stopPublisher()]);
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
