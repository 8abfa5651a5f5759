import { Controller, Get, Inject } from '@nestjs/common';
import type { StatsResponse } from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { StatsRepository } from './stats.repository';

@Controller('api')
export class StatsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(StatsRepository) private readonly stats: StatsRepository,
  ) {}

  /** Durable counts by outcome for the console (from the rollups, so they survive restarts). */
  @Get('stats')
  async get(): Promise<StatsResponse> {
    const counts = await this.stats.outcomeCounts(this.config.pipeline.name);
    return { pipeline: this.config.pipeline.name, ...counts, generatedAt: new Date().toISOString() };
  }
}
