import { Controller, Inject } from '@nestjs/common';
import type { WatermarksResponse } from '@dedup/contracts';
import { ApiRoute } from '../../platform/http/api-route.decorator';
import { WatermarksService } from './watermarks.service';

/** `GET /api/watermarks` (issue 15): the input partitions' watermarks, for on-call. */
@Controller()
export class WatermarksController {
  constructor(@Inject(WatermarksService) private readonly watermarks: WatermarksService) {}

  @ApiRoute('watermarks.get')
  get(): Promise<WatermarksResponse> {
    return this.watermarks.current();
  }
}
