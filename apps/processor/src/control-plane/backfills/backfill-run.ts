import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../platform/config/app-config';
import type { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import type { JsonLogger } from '../../platform/logging/json-logger';
import type { BatchGate, PipelineService } from '../../data-plane/pipeline/pipeline.service';
import { buildPipeline } from '../../data-plane/pipeline/pipeline.factory';
import { RateLimiter } from './backfill-plan';
import type { StoredBackfill } from './backfill.repository';

/** A backfill's cache stays small: its keys are rarely seen twice close together. */
const BACKFILL_CACHE_SIZE = 10_000;

/** The job's own state namespace: its `pipeline` in state, progress, audit and DLQ rows. */
export function backfillNamespace(live: AppConfig, jobId: string): string {
  return `${live.pipeline.name}.backfill.${jobId}`;
}

/** The job's consumer group (and, through it, its transactional ids). */
export function backfillGroupId(live: AppConfig, jobId: string): string {
  return `${live.kafka.groupId}.backfill.${jobId}`;
}

/**
 * The live pipeline's config with the job's topics, group and namespace. Batches are capped at a
 * quarter second of the rate limit, so the limiter paces in small steps rather than long pauses.
 */
export function backfillConfig(live: AppConfig, job: StoredBackfill): AppConfig {
  return {
    ...live,
    pipeline: { name: backfillNamespace(live, job.id), version: live.pipeline.version },
    kafka: {
      ...live.kafka,
      clientId: `${live.kafka.clientId}-backfill-${job.id}`,
      groupId: backfillGroupId(live, job.id),
      batch: {
        ...live.kafka.batch,
        maxRecords: Math.max(1, Math.min(live.kafka.batch.maxRecords, Math.ceil(job.maxEventsPerSecond / 4))),
      },
    },
    topics: {
      input: job.sourceTopic,
      output: job.targetTopic,
      duplicates: job.duplicatesTopic,
      late: job.lateTopic,
      dlq: live.topics.dlq,
    },
    state: { ...live.state, cacheSize: Math.min(live.state.cacheSize, BACKFILL_CACHE_SIZE) },
  };
}

/**
 * One backfill job running in this process: a pipeline from the data plane's factory around the job's
 * config, so a backfill decides, persists and commits exactly like the live pipeline (docs/backfills.md). A gate in front of the
 * pipeline stops each partition at the end of its range and holds the job to its rate limit. Its
 * metrics go to a registry of its own: a backfill's outcomes must not move the live pipeline's
 * duplicate-rate or lag alerts; the supervisor exports its progress instead.
 */
export class BackfillRun {
  private readonly kafka: KafkaAdapter;
  private readonly pipeline: PipelineService;
  private readonly log: JsonLogger;
  private readonly config: AppConfig;

  constructor(
    readonly job: StoredBackfill,
    live: AppConfig,
    dataSource: DataSource,
    logger: JsonLogger,
  ) {
    this.config = backfillConfig(live, job);
    const jobLogger = logger.child({ backfill: job.id });
    this.log = jobLogger.child({ component: 'backfill' });
    ({ kafka: this.kafka, pipeline: this.pipeline } = buildPipeline(this.config, dataSource, jobLogger, {
      cacheSize: this.config.state.cacheSize,
    }));
  }

  private starting: Promise<void> | undefined;

  /** Seeds the job's group at the range start (first run only), then consumes. */
  start(): Promise<void> {
    this.starting ??= this.doStart();
    return this.starting;
  }

  /** Waits for a start under way (a stop in the middle of it would be undone by it), then stops. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    await this.pipeline.stop();
  }

  private async doStart(): Promise<void> {
    await this.kafka.seedGroupOffsets(
      this.config.kafka.groupId,
      this.job.sourceTopic,
      this.job.partitions.map((p) => ({ partition: p.partition, offset: p.start })),
    );
    await this.pipeline.start(this.gate());
    this.log.write('info', 'backfill running', {
      source_topic: this.job.sourceTopic,
      target_topic: this.job.targetTopic,
      max_events_per_second: this.job.maxEventsPerSecond,
    });
  }

  private gate(): BatchGate {
    const ends = new Map(this.job.partitions.map((p) => [p.partition, p.end]));
    const limiter = new RateLimiter(this.job.maxEventsPerSecond);
    return async (batch, control, next) => {
      const end = ends.get(batch.partition);
      if (batch.topic !== this.job.sourceTopic || end === undefined) {
        // A partition outside the range (an offset range that names some partitions only).
        this.kafka.pause(batch.topic, batch.partition);
        return;
      }
      const records = batch.records.filter((r) => BigInt(r.offset) < end);
      if (records.length > 0) {
        let wait = limiter.reserve(records.length);
        while (wait > 0) {
          const step = Math.min(wait, 1_000);
          await new Promise((r) => setTimeout(r, step));
          wait -= step;
          // Stopping, or the partition moved: leave the records to whoever consumes them next.
          if (!control.isRunning() || control.isStale()) return;
          await control.heartbeat();
        }
        await next(records.length === batch.records.length ? batch : { ...batch, records });
      }
      if (records.length < batch.records.length) {
        this.kafka.pause(batch.topic, batch.partition);
        this.log.write('info', 'partition reached the end of its range', {
          topic: batch.topic,
          partition: batch.partition,
          end_offset: end.toString(),
        });
      }
    };
  }
}
