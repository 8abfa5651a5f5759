import { Controller, Inject } from '@nestjs/common';
import type { Principal, ReplayListResponse, ReplayPreview, ReplayRun, RouteInput } from '@dedup/contracts';
import { ApiRoute, CurrentPrincipal, RouteInputs } from '../../platform/http/api-route.decorator';
import { ReplayService } from './replay.service';

/**
 * `/api/dlq/replays` (docs/dlq.md, docs/adr/0009). Registered before the DLQ controller, so that
 * `/api/dlq/replays` is never read as `/api/dlq/:id`.
 */
@Controller()
export class ReplayController {
  constructor(@Inject(ReplayService) private readonly replays: ReplayService) {}

  @ApiRoute('replays.list')
  async list(): Promise<ReplayListResponse> {
    return { runs: await this.replays.list() };
  }

  @ApiRoute('replays.get')
  get(@RouteInputs() input: RouteInput<'replays.get'>): Promise<ReplayRun> {
    return this.replays.get(input.params.id);
  }

  @ApiRoute('replays.preview')
  preview(
    @RouteInputs() input: RouteInput<'replays.preview'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReplayPreview> {
    return this.replays.preview(input.body, principal);
  }

  @ApiRoute('replays.start')
  start(
    @RouteInputs() input: RouteInput<'replays.start'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ReplayRun> {
    return this.replays.start(input.body.token, principal);
  }

  @ApiRoute('replays.pause')
  pause(@RouteInputs() input: RouteInput<'replays.pause'>): Promise<ReplayRun> {
    return this.replays.act(input.params.id, 'pause');
  }

  @ApiRoute('replays.resume')
  resume(@RouteInputs() input: RouteInput<'replays.resume'>): Promise<ReplayRun> {
    return this.replays.act(input.params.id, 'resume');
  }

  @ApiRoute('replays.cancel')
  cancel(@RouteInputs() input: RouteInput<'replays.cancel'>): Promise<ReplayRun> {
    return this.replays.act(input.params.id, 'cancel');
  }
}
