import { Controller, Inject } from '@nestjs/common';
import type { LatenessResponse, RouteInput } from '@dedup/contracts';
import { ApiRoute, RouteInputs } from '../../platform/http/api-route.decorator';
import { LatenessService } from './lateness.service';

/** `GET /api/lateness` (issue 15): how late records arrive, and what allowed lateness would keep them. */
@Controller()
export class LatenessController {
  constructor(@Inject(LatenessService) private readonly lateness: LatenessService) {}

  @ApiRoute('lateness.get')
  get(@RouteInputs() input: RouteInput<'lateness.get'>): Promise<LatenessResponse> {
    return this.lateness.distribution(input.query);
  }
}
