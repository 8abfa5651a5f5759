import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { estimatedLookupFalsePositiveRate, lastExpiredGeneration, StateCache } from '@dedup/core';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { StateExpiryRepository } from './state-expiry.repository';

const DELETE_BATCH = 5_000;
/** The audit's partitions and the rollups' retention need looking after far less often than state. */
const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;

/**
 * Removes expired dedup state in bulk, off the hot path, and reports the state size. Deleting a state
 * once the watermark minus the allowed lateness has passed its expiry never changes a decision
 * (docs/semantics.md), so this may run at any pace; it only bounds the table. The same horizon drops
 * expired entries from the state cache and, in approximate mode, expired generations from the Bloom
 * stripes (whose fill it also turns into the estimated false-positive rate).
 */
@Injectable()
export class StateExpiryService implements OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: JsonLogger;
  private lastHousekeeping = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(StateExpiryRepository) private readonly repository: StateExpiryRepository,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(StateCache) private readonly cache: StateCache,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'state-expiry', pipeline: config.pipeline.name });
  }

  start(): void {
    if (this.config.approximate !== null) {
      this.metrics.setBloomTarget(this.config.approximate.targetFalsePositiveRate);
    }
    // The audit's partitions for the coming days before the first batches of a catch-up land.
    this.running = this.housekeeping(true)
      .then(() => undefined)
      .finally(() => {
        this.running = undefined;
      });
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
    const pipeline = this.config.pipeline.name;
    try {
      for (;;) {
        const deleted = await this.repository.deleteExpired(
          pipeline,
          this.config.semantics.allowedLatenessMs,
          DELETE_BATCH,
        );
        total += deleted;
        if (deleted < DELETE_BATCH) break;
      }
      this.metrics.setStateKeys(await this.repository.countStates(pipeline));
      const horizon = await this.repository.expiryHorizon(pipeline, this.config.semantics.allowedLatenessMs);
      if (horizon !== null) this.cache.forgetExpired(horizon);
      this.metrics.setStateCacheEntries(this.cache.size);
      total += await this.sweepBloom(horizon);
      // The DLQ statistics' appended deltas folded in (migration 1764000000009), then the gauges.
      await this.repository.compactDlqStats();
      const dlq = await this.repository.dlqSummary(this.config.pipeline.name);
      this.metrics.setDlq(dlq);
      if (total > 0) this.log.write('debug', 'expired state removed', { deleted: total });
      await this.housekeeping();
    } catch (error) {
      // A failed sweep only delays clean-up; the next tick tries again.
      this.log.write('warn', 'state expiry sweep failed', { error: String(error) });
    }
    return total;
  }

  /**
   * At start and at most every 10 minutes after: the audit's day partitions (yesterday to a week
   * ahead created, those past AUDIT_RETENTION_DAYS dropped), the rollups' fold and retention.
   */
  async housekeeping(force = false): Promise<string[]> {
    const now = Date.now();
    if (!force && now - this.lastHousekeeping < HOUSEKEEPING_INTERVAL_MS) return [];
    this.lastHousekeeping = now;
    // Three independent steps: one failing (a lock not had in 200 ms) neither undoes nor skips the
    // others, and the failed one is tried again at the next sweep, not in 10 minutes.
    let dropped: string[] = [];
    const step = async (what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        this.lastHousekeeping = Number.NEGATIVE_INFINITY;
        this.log.write('warn', `housekeeping: ${what} failed; tried again at the next sweep`, {
          error: String(error),
        });
      }
    };
    await step('audit partitions ahead', () => this.repository.ensureAuditPartitions());
    await step('audit retention', async () => {
      dropped = await this.repository.maintainAudit(this.config.audit.retentionDays);
      if (dropped.length > 0) {
        this.log.write('info', 'audit partitions past retention dropped', {
          partitions: dropped,
          retentionDays: this.config.audit.retentionDays,
        });
      }
    });
    await step('rollup fold and retention', () =>
      this.repository.pruneRollups(this.config.pipeline.name, this.config.audit.retentionDays),
    );
    return dropped;
  }

  /** Approximate mode's share of the sweep; also clears stripes a previous configuration left. */
  private async sweepBloom(horizon: number | null): Promise<number> {
    const pipeline = this.config.pipeline.name;
    const layout = this.config.approximate;
    let total = 0;
    for (;;) {
      const deleted = await this.repository.deleteStaleBloomLayouts(
        pipeline,
        layout?.id ?? null,
        DELETE_BATCH,
      );
      total += deleted;
      if (deleted < DELETE_BATCH) break;
    }
    if (layout === null) return total;
    if (horizon !== null) {
      const lastExpired = lastExpiredGeneration(horizon, layout);
      for (;;) {
        const updated = await this.repository.expireBloomGenerations(
          pipeline,
          layout.id,
          lastExpired,
          DELETE_BATCH,
        );
        total += updated;
        if (updated < DELETE_BATCH) break;
      }
    }
    const summary = await this.repository.bloomSummary(pipeline, layout.id, layout.hashes);
    const perGeneration = new Map(
      [...summary.generations].map(([generation, fpSum]) => [generation, fpSum / layout.blocks]),
    );
    this.metrics.setBloomFilters({
      // A record at the watermark checks the generations that cover it, with every key strategy.
      estimatedFalsePositiveRate:
        horizon === null
          ? 0
          : estimatedLookupFalsePositiveRate(
              perGeneration,
              horizon + this.config.semantics.allowedLatenessMs,
              this.config.semantics.keys.length,
              layout,
            ),
      generations: perGeneration.size,
      bytes: summary.bytes,
    });
    return total;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
