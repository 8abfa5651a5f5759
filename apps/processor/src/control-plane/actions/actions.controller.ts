import { Controller, Inject } from '@nestjs/common';
import type { ActionListResponse, RouteInput } from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { ApiRoute, RouteInputs } from '../../platform/http/api-route.decorator';
import { ActionLogRepository } from './action-log.repository';

/** The operator action log (docs/access-control.md, "The action log"). */
@Controller()
export class ActionsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ActionLogRepository) private readonly actions: ActionLogRepository,
  ) {}

  @ApiRoute('actions.list')
  list(@RouteInputs() input: RouteInput<'actions.list'>): Promise<ActionListResponse> {
    return this.actions.list(this.config.pipeline.name, input.query);
  }
}
