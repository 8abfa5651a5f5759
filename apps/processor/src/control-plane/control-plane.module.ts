import { Module } from '@nestjs/common';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { BackfillController } from './backfills/backfill.controller';
import { BackfillRepository } from './backfills/backfill.repository';
import { BackfillService } from './backfills/backfill.service';
import { HealthController } from './health/health.controller';
import { StatsController } from './stats/stats.controller';
import { StatsRepository } from './stats/stats.repository';

/** The HTTP API operators and the console call (docs/api.md), and the jobs it starts. */
@Module({
  imports: [DataPlaneModule],
  controllers: [HealthController, StatsController, BackfillController],
  providers: [StatsRepository, BackfillRepository, BackfillService],
  exports: [BackfillService],
})
export class ControlPlaneModule {}
