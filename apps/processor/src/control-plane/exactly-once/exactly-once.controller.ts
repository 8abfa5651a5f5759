import { Controller, Inject } from '@nestjs/common';
import type { ExactlyOnceResponse, RouteInput } from '@dedup/contracts';
import { ApiRoute, RouteInputs } from '../../platform/http/api-route.decorator';
import { ExactlyOnceService } from './exactly-once.service';

/** `GET /api/exactly-once` (issue 15): is exactly-once output healthy. */
@Controller()
export class ExactlyOnceController {
  constructor(@Inject(ExactlyOnceService) private readonly exactlyOnce: ExactlyOnceService) {}

  @ApiRoute('exactly-once.get')
  get(@RouteInputs() input: RouteInput<'exactly-once.get'>): Promise<ExactlyOnceResponse> {
    return this.exactlyOnce.health(input.query);
  }
}
