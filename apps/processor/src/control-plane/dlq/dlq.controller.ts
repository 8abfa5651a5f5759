import { Controller, Inject } from '@nestjs/common';
import type {
  DlqDiscardResponse,
  DlqGroupsResponse,
  DlqListResponse,
  DlqRecord,
  Principal,
  RouteInput,
} from '@dedup/contracts';
import { ApiRoute, CurrentPrincipal, RouteInputs } from '../../platform/http/api-route.decorator';
import { DlqService } from './dlq.service';

/**
 * `/api/dlq` (docs/dlq.md): groups by cause, filtered lists, one record whole, and discard. The
 * groups route is declared before `/api/dlq/:id` so that `groups` is never read as an id.
 */
@Controller()
export class DlqController {
  constructor(@Inject(DlqService) private readonly dlq: DlqService) {}

  @ApiRoute('dlq.groups')
  groups(@RouteInputs() input: RouteInput<'dlq.groups'>): Promise<DlqGroupsResponse> {
    return this.dlq.groups(input.query.status);
  }

  @ApiRoute('dlq.list')
  list(@RouteInputs() input: RouteInput<'dlq.list'>): Promise<DlqListResponse> {
    return this.dlq.list(input.query);
  }

  @ApiRoute('dlq.discard')
  discard(
    @RouteInputs() input: RouteInput<'dlq.discard'>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DlqDiscardResponse> {
    return this.dlq.discard(input.body, principal);
  }

  @ApiRoute('dlq.get')
  get(@RouteInputs() input: RouteInput<'dlq.get'>): Promise<DlqRecord> {
    return this.dlq.get(input.params.id);
  }
}
