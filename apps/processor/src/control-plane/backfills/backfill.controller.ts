import { Controller, Inject } from '@nestjs/common';
import type { BackfillJob, BackfillListResponse, Principal, RouteInput } from '@dedup/contracts';
import { ApiRoute, CurrentPrincipal, RouteInputs } from '../../platform/http/api-route.decorator';
import { BackfillService } from './backfill.service';

/**
 * `/api/backfills` (docs/backfills.md). Bad requests get a 400 whose message says what to fix; an
 * unknown job a 404; an action the job's status does not allow a 409 (ControlPlaneError codes).
 */
@Controller()
export class BackfillController {
  constructor(@Inject(BackfillService) private readonly backfills: BackfillService) {}

  @ApiRoute('backfills.list')
  async list(): Promise<BackfillListResponse> {
    return { backfills: await this.backfills.list() };
  }

  @ApiRoute('backfills.get')
  get(@RouteInputs() input: RouteInput<'backfills.get'>): Promise<BackfillJob> {
    return this.backfills.get(input.params.id);
  }

  @ApiRoute('backfills.preview')
  preview(@RouteInputs() input: RouteInput<'backfills.preview'>): Promise<BackfillJob> {
    return this.backfills.preview(input.body);
  }

  @ApiRoute('backfills.create')
  create(
    @RouteInputs() input: RouteInput<'backfills.create'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackfillJob> {
    return this.backfills.create(input.body, principal.name);
  }

  @ApiRoute('backfills.pause')
  pause(
    @RouteInputs() input: RouteInput<'backfills.pause'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackfillJob> {
    return this.backfills.act(input.params.id, 'pause', principal.name);
  }

  @ApiRoute('backfills.resume')
  resume(
    @RouteInputs() input: RouteInput<'backfills.resume'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackfillJob> {
    return this.backfills.act(input.params.id, 'resume', principal.name);
  }

  @ApiRoute('backfills.cancel')
  cancel(
    @RouteInputs() input: RouteInput<'backfills.cancel'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<BackfillJob> {
    return this.backfills.act(input.params.id, 'cancel', principal.name);
  }
}
