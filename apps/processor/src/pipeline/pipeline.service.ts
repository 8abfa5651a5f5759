import { Inject, Injectable } from '@nestjs/common';
import { claimCandidates, decideBatch, parseRecord, type RecordCoordinates } from '@dedup/core';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { KafkaAdapter, type BatchControl, type ConsumedBatch } from '../kafka/kafka.adapter';
import { JsonLogger } from '../logging/json-logger';
import { MetricsService } from '../metrics/metrics.service';
import { DedupRepository, coordKey, type RawRecord } from '../persistence/dedup.repository';
import { toOutputRecord } from './output-records';
import { TRANSIENT_RETRY, withRetry } from './retry';

/**
 * The data plane. Per consumed batch, in this order (DESIGN.md, "State and exactly-once"):
 * parse and decide → ONE Postgres transaction (claims, audit rows, DLQ rows, rollups) → ONE Kafka
 * transaction (every output + the input offset). A crash between the two commits makes Kafka
 * re-deliver the batch; claims recognise their own coordinates, so the decisions repeat exactly.
 */
@Injectable()
export class PipelineService {
  private readonly log: JsonLogger;
  private running = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(DedupRepository) private readonly repository: DedupRepository,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'pipeline', pipeline: config.pipeline.name });
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    const t = this.config.topics;
    await this.kafka.ensureTopics(
      [t.input, t.output, t.duplicates, t.late, t.dlq],
      this.config.kafka.topicPartitions,
    );
    await this.kafka.start((batch, control) => this.handleBatch(batch, control));
    this.running = true;
    this.log.write('info', 'pipeline consuming', { topic: t.input, group: this.config.kafka.groupId });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.kafka.stop();
  }

  async handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const last = batch.records.at(-1);
    if (last === undefined) return;
    const started = performance.now();
    const coords = (offset: string): RecordCoordinates => ({
      topic: batch.topic,
      partition: batch.partition,
      offset,
    });
    const parsed = batch.records.map((r) =>
      parseRecord(r.value, coords(r.offset), { maxPayloadBytes: this.config.limits.maxPayloadBytes }),
    );
    const candidates = claimCandidates(parsed);
    const raw = new Map<string, RawRecord>(
      batch.records.map((r) => [
        coordKey(coords(r.offset)),
        { key: r.key, value: r.value, headers: r.headers },
      ]),
    );
    const onRetry = (what: string) => (attempt: number, error: unknown, delayMs: number) =>
      this.log.write('warn', `${what} failed; retrying`, {
        topic: batch.topic,
        partition: batch.partition,
        first_offset: batch.records[0]?.offset,
        attempt,
        delay_ms: delayMs,
        error: String(error),
      });

    const decisions = await withRetry(
      () =>
        this.repository.inTransaction(async (tx) => {
          const claims = await tx.claim(candidates);
          const decided = decideBatch(parsed, claims);
          await tx.record(decided, raw);
          return decided;
        }),
      TRANSIENT_RETRY,
      onRetry('postgres batch transaction'),
    );
    await control.heartbeat();
    if (control.isStale()) {
      // The partition was revoked while we worked: the new owner re-processes from the committed
      // offset and, thanks to the idempotent Postgres side, decides exactly as we did.
      this.log.write('info', 'batch is stale after rebalance; leaving it to the new owner', {
        topic: batch.topic,
        partition: batch.partition,
      });
      return;
    }
    const outputs = decisions.map((d) => {
      const source = raw.get(coordKey(d.coords));
      if (source === undefined) throw new Error(`decision for unknown record ${coordKey(d.coords)}`);
      return toOutputRecord(d, source, this.config);
    });
    try {
      await withRetry(
        () =>
          this.kafka.commitBatch(
            {
              topic: batch.topic,
              partition: batch.partition,
              nextOffset: (BigInt(last.offset) + 1n).toString(),
            },
            outputs,
          ),
        TRANSIENT_RETRY,
        onRetry('kafka transaction'),
      );
    } catch (error) {
      this.metrics.countTransaction('aborted');
      throw error;
    }
    // The offset is committed inside the transaction; this only tells kafkajs to fetch past it.
    control.markProcessed(last.offset);
    this.metrics.countTransaction('committed');
    for (const d of decisions) this.metrics.countOutcome(batch.topic, d.outcome);
    this.metrics.observeBatch((performance.now() - started) / 1000, batch.records.length);
  }
}
