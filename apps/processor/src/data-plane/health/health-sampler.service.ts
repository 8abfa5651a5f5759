import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { instanceName } from '../../platform/config/instance-name';
import { JsonLogger } from '../../platform/logging/json-logger';
import { END_TO_END_BUCKETS, MetricsService } from '../../platform/metrics/metrics.service';
import { counterDelta, readHealth, type HealthCounters } from './health-sample';
import { HealthRepository } from './health.repository';

/** How often each instance samples its health into Postgres. */
export const HEALTH_SAMPLE_INTERVAL_MS = 10_000;

/**
 * Every 10 s, this instance's exactly-once counters (transactions, fencing, rebalances), its
 * end-to-end latency histogram and its gauges (consumer lag, DLQ depth) go into its per-minute
 * health row, and the input partitions' watermarks into theirs, so the console can chart them over
 * days and across instances without Prometheus.
 * Counters are written as the difference since the last sample written; a sample that fails to
 * write is carried into the next one, so only a crash loses one (at most 10 s of counts).
 */
@Injectable()
export class HealthSamplerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly instance: string;
  private readonly log: JsonLogger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private written: HealthCounters | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(HealthRepository) private readonly repository: HealthRepository,
    logger: JsonLogger,
  ) {
    this.instance = instanceName(config);
    this.log = logger.child({ component: 'health-sampler', pipeline: config.pipeline.name });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sample().finally(() => {
        this.running = undefined;
      });
    }, HEALTH_SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.sample();
  }

  /** Reads the registry and writes what changed since the last sample written. */
  async sample(): Promise<void> {
    try {
      const reading = await readHealth(this.metrics.registry, END_TO_END_BUCKETS);
      const zero: HealthCounters = {
        txCommitted: 0,
        txAborted: 0,
        fenced: 0,
        rebalances: 0,
        latency: reading.counters.latency.map(() => 0),
      };
      const delta = counterDelta(this.written ?? zero, reading.counters);
      await this.repository.write(this.config.pipeline.name, this.instance, delta, reading.gauges);
      this.written = reading.counters;
      await this.repository.sampleWatermarks(this.config.pipeline.name, this.config.topics.input);
    } catch (error) {
      this.log.write('warn', 'health sample not written; the next one carries it', { error: String(error) });
    }
  }
}
