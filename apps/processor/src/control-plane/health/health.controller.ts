import { Controller, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiRoute } from '../../platform/http/api-route.decorator';
import { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import { StatsRepository } from '../stats/stats.repository';
import { PipelineService } from '../../data-plane/pipeline/pipeline.service';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
        CHECK_TIMEOUT_MS,
      ),
    ),
  ]);
}

@Controller()
export class HealthController {
  constructor(
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(StatsRepository) private readonly stats: StatsRepository,
    @Inject(PipelineService) private readonly pipeline: PipelineService,
  ) {}

  /** The process is up and its event loop turns. */
  @ApiRoute('health.live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready only when Kafka and Postgres both answer and the pipeline is consuming. */
  @ApiRoute('health.ready')
  async ready(): Promise<{ status: 'ready'; checks: Record<string, string> }> {
    const [kafka, postgres] = await Promise.allSettled([
      withTimeout(this.kafka.ping(), 'kafka'),
      withTimeout(this.stats.ping(), 'postgres'),
    ]);
    const checks: Record<string, string> = {
      kafka: kafka.status === 'fulfilled' ? 'ok' : String(kafka.reason),
      postgres: postgres.status === 'fulfilled' ? 'ok' : String(postgres.reason),
      pipeline: !this.pipeline.isRunning
        ? 'not consuming'
        : this.pipeline.consumerFailure !== null
          ? `not consuming: the consumer stopped on ${this.pipeline.consumerFailure}; a new one is starting`
          : 'ok',
    };
    if (Object.values(checks).some((v) => v !== 'ok')) {
      throw new ServiceUnavailableException({ status: 'not_ready', checks });
    }
    return { status: 'ready', checks };
  }
}
