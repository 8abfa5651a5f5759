import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import { stableOffsetLag } from '../../adapters/kafka/last-stable-offsets';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';

/** How often the output partitions are probed (a few ListOffsets requests per broker each time). */
export const OUTPUT_STABILITY_INTERVAL_MS = 10_000;

export interface OutputPartitionStability {
  readonly topic: string;
  readonly partition: number;
  /** End offset minus last stable offset: records read_committed readers cannot see yet. */
  readonly lastStableOffsetLag: number;
}

/** One probe of the output partitions. */
export interface OutputStability {
  /** When the probe started. */
  readonly at: Date;
  /** Every partition of the output topics, by topic then partition; empty when the probe failed. */
  readonly outputs: readonly OutputPartitionStability[];
  /** Why the probe failed, else null. */
  readonly error: string | null;
}

/** The pipeline's output topics (output, duplicates, late, DLQ), each once. */
export function outputTopics(topics: AppConfig['topics']): string[] {
  return [...new Set([topics.output, topics.duplicates, topics.late, topics.dlq])];
}

/**
 * Is exactly-once output flowing to read_committed readers: every 10 s, each output partition's
 * end offset minus its last stable offset (`dedup_output_lso_lag_records`). Positive while a
 * transaction is open on the partition; one that stays positive (a transaction nobody commits or
 * aborts until its timeout) holds every downstream read_committed consumer back.
 *
 * Probed on a timer, not per scrape, so scrapes and API calls cost no broker round trip; `latest()`
 * is the last probe's result (the exactly-once health route reads it). A failed probe is logged and
 * counted (`dedup_output_lso_probe_errors_total`), drops the lag series, and never throws.
 */
@Injectable()
export class OutputStabilityProbe implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log: JsonLogger;
  private readonly topics: readonly string[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<OutputStability> | undefined;
  private last: OutputStability;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'output-stability', pipeline: config.pipeline.name });
    this.topics = outputTopics(config.topics);
    this.last = { at: new Date(), outputs: [], error: 'not probed yet' };
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Probes every OUTPUT_STABILITY_INTERVAL_MS until stop(). The first probe waits one interval: Nest
   * bootstraps this before the pipeline has created its topics (main.ts), and kafkajs retries the
   * metadata of a topic that does not exist for many seconds before it gives up.
   */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.refresh(), OUTPUT_STABILITY_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a probe under way (before the adapter disconnects). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** The last completed probe (before the first, for 10 s after start: no outputs, error `not probed yet`). */
  latest(): OutputStability {
    return this.last;
  }

  /** Probes now (joining a probe under way); resolves with its result, never rejects. */
  refresh(): Promise<OutputStability> {
    this.running ??= this.probe().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async probe(): Promise<OutputStability> {
    const at = new Date();
    try {
      const offsets = await this.kafka.lastStableOffsets(this.topics);
      const outputs = offsets.map((o) => ({
        topic: o.topic,
        partition: o.partition,
        lastStableOffsetLag: stableOffsetLag(o),
      }));
      this.metrics.setOutputLsoLags(outputs);
      this.last = { at, outputs, error: null };
    } catch (error) {
      this.metrics.countOutputLsoProbeError();
      this.metrics.setOutputLsoLags([]);
      this.log.write('warn', 'output stability probe failed', { topics: this.topics, error: String(error) });
      this.last = { at, outputs: [], error: error instanceof Error ? error.message : String(error) };
    }
    return this.last;
  }
}
