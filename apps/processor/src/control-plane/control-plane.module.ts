import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { DataPlaneModule } from '../data-plane/data-plane.module';
import { ActionLogRepository } from './actions/action-log.repository';
import { ActionLogService } from './actions/action-log.service';
import { ActionsController } from './actions/actions.controller';
import { ApiExceptionFilter } from './api/api-exception.filter';
import { ApiInputInterceptor } from './api/api-input.interceptor';
import { OpenApiController } from './api/openapi.controller';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { AuthService } from './auth/auth.service';
import { RateLimits } from './auth/rate-limits';
import { BackfillController } from './backfills/backfill.controller';
import { BackfillRepository } from './backfills/backfill.repository';
import { BackfillService } from './backfills/backfill.service';
import { DlqController } from './dlq/dlq.controller';
import { DlqRepository } from './dlq/dlq.repository';
import { DlqService } from './dlq/dlq.service';
import { HealthController } from './health/health.controller';
import { ExactlyOnceController } from './exactly-once/exactly-once.controller';
import { ExactlyOnceRepository } from './exactly-once/exactly-once.repository';
import { ExactlyOnceService } from './exactly-once/exactly-once.service';
import { LatenessController } from './lateness/lateness.controller';
import { LatenessRepository } from './lateness/lateness.repository';
import { LatenessService } from './lateness/lateness.service';
import { LineageController } from './lineage/lineage.controller';
import { LineageRepository } from './lineage/lineage.repository';
import { LineageService } from './lineage/lineage.service';
import { ReplayController } from './replays/replay.controller';
import { ReplayRepository } from './replays/replay.repository';
import { ReplayService } from './replays/replay.service';
import { StatsController } from './stats/stats.controller';
import { StatsRepository } from './stats/stats.repository';
import { TokensController } from './tokens/tokens.controller';
import { TokensRepository } from './tokens/tokens.repository';
import { TokensService } from './tokens/tokens.service';
import { OverviewController } from './overview/overview.controller';
import { OverviewRepository } from './overview/overview.repository';
import { OverviewService } from './overview/overview.service';
import { WatermarksController } from './watermarks/watermarks.controller';
import { WatermarksRepository } from './watermarks/watermarks.repository';
import { WatermarksService } from './watermarks/watermarks.service';

/**
 * The HTTP API operators and the console call (docs/api.md), and the jobs it starts. Every route is
 * a row of the route table (libs/contracts/src/api-routes.ts); the guard, the input interceptor and
 * the exception filter apply it to every handler of the process (docs/access-control.md).
 */
@Module({
  imports: [DataPlaneModule],
  controllers: [
    HealthController,
    OpenApiController,
    AuthController,
    StatsController,
    BackfillController,
    ReplayController,
    DlqController,
    TokensController,
    ActionsController,
    LineageController,
    WatermarksController,
    OverviewController,
    LatenessController,
    ExactlyOnceController,
  ],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: ApiInputInterceptor },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    AuthService,
    RateLimits,
    ActionLogRepository,
    ActionLogService,
    StatsRepository,
    BackfillRepository,
    BackfillService,
    DlqRepository,
    DlqService,
    ReplayRepository,
    ReplayService,
    TokensRepository,
    TokensService,
    LineageRepository,
    LineageService,
    WatermarksRepository,
    WatermarksService,
    OverviewRepository,
    OverviewService,
    LatenessRepository,
    LatenessService,
    ExactlyOnceRepository,
    ExactlyOnceService,
  ],
  exports: [BackfillService, ReplayService],
})
export class ControlPlaneModule {}
