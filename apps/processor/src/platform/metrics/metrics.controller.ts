import { Controller, Header, Inject } from '@nestjs/common';
import { ApiRoute } from '../http/api-route.decorator';
import { MetricsService } from './metrics.service';

@Controller()
export class MetricsController {
  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  @ApiRoute('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
