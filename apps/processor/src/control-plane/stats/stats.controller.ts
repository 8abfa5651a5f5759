import { Controller, Inject } from '@nestjs/common';
import { ApiRoute } from '../../platform/http/api-route.decorator';
import type { StatsResponse } from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { StatsRepository } from './stats.repository';

@Controller()
export class StatsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(StatsRepository) private readonly stats: StatsRepository,
  ) {}

  /** Durable counts by outcome for the console (from the rollups, so they survive restarts). */
  @ApiRoute('stats.get')
  async get(): Promise<StatsResponse> {
    const counts = await this.stats.outcomeCounts(this.config.pipeline.name);
    return { pipeline: this.config.pipeline.name, ...counts, generatedAt: new Date().toISOString() };
  }
}
