import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JsonLogger } from '../logging/json-logger';
import { MetricsService } from '../metrics/metrics.service';
import { StateExpiryRepository } from '../persistence/state-expiry.repository';

const DELETE_BATCH = 5_000;

/**
 * Removes expired dedup state in bulk, off the hot path, and reports the state size. Deleting a state
 * once the watermark minus the allowed lateness has passed its expiry never changes a decision
 * (docs/semantics.md), so this may run at any pace; it only bounds the table.
 */
@Injectable()
export class StateExpiryService implements OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: JsonLogger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(StateExpiryRepository) private readonly repository: StateExpiryRepository,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'state-expiry', pipeline: config.pipeline.name });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .finally(() => {
          this.running = undefined;
        });
    }, this.config.state.expiryIntervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.repository.deleteExpired(
          this.config.pipeline.name,
          this.config.semantics.allowedLatenessMs,
          DELETE_BATCH,
        );
        total += deleted;
        if (deleted < DELETE_BATCH) break;
      }
      this.metrics.setStateKeys(await this.repository.countStates(this.config.pipeline.name));
      const dlq = await this.repository.dlqSummary(this.config.pipeline.name);
      this.metrics.setDlq(dlq.open, dlq.oldestAgeSeconds);
      if (total > 0) this.log.write('debug', 'expired state removed', { deleted: total });
    } catch (error) {
      // A failed sweep only delays clean-up; the next tick tries again.
      this.log.write('warn', 'state expiry sweep failed', { error: String(error) });
    }
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
