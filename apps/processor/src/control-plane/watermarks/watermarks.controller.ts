import { Controller, Inject } from '@nestjs/common';
import type { RouteInput, WatermarksResponse } from '@dedup/contracts';
import { ApiRoute, RouteInputs } from '../../platform/http/api-route.decorator';
import { WatermarksService } from './watermarks.service';

/** `GET /api/watermarks` (issue 15): the input partitions' watermarks, for on-call. */
@Controller()
export class WatermarksController {
  constructor(@Inject(WatermarksService) private readonly watermarks: WatermarksService) {}

  @ApiRoute('watermarks.get')
  get(@RouteInputs() input: RouteInput<'watermarks.get'>): Promise<WatermarksResponse> {
    return this.watermarks.current(input.query);
  }
}
