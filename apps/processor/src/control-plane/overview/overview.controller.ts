import { Controller, Inject } from '@nestjs/common';
import type { OverviewResponse, RouteInput } from '@dedup/contracts';
import { ApiRoute, RouteInputs } from '../../platform/http/api-route.decorator';
import { OverviewService } from './overview.service';

/** `GET /api/overview` (issue 15): rates, latency, lag and DLQ depth over a time range. */
@Controller()
export class OverviewController {
  constructor(@Inject(OverviewService) private readonly overview: OverviewService) {}

  @ApiRoute('overview.get')
  get(@RouteInputs() input: RouteInput<'overview.get'>): Promise<OverviewResponse> {
    return this.overview.overview(input.query);
  }
}
