import { Controller, Inject } from '@nestjs/common';
import type { LineageResponse, RouteInput } from '@dedup/contracts';
import { ApiRoute, RouteInputs } from '../../platform/http/api-route.decorator';
import { LineageService } from './lineage.service';

/** `GET /api/lineage` (issue 15): the occurrences of one event, for "why was this dropped?". */
@Controller()
export class LineageController {
  constructor(@Inject(LineageService) private readonly lineage: LineageService) {}

  @ApiRoute('lineage.search')
  search(@RouteInputs() input: RouteInput<'lineage.search'>): Promise<LineageResponse> {
    return this.lineage.search(input.query);
  }
}
