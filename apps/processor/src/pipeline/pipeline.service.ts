import { Inject, Injectable } from '@nestjs/common';
import {
  decideEventBatch,
  failedDecision,
  parseRecord,
  stateKeysOf,
  type ParsedRecord,
  type RecordCoordinates,
} from '@dedup/core';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { KafkaAdapter, type BatchControl, type ConsumedBatch } from '../kafka/kafka.adapter';
import { JsonLogger } from '../logging/json-logger';
import { MetricsService } from '../metrics/metrics.service';
import { DedupRepository, coordKey, type RawRecord } from '../persistence/dedup.repository';
import { toDecisionRecord, type DecisionRecord } from './decision-record';
import { toOutputRecord } from './output-records';
import { TRANSIENT_RETRY, withRetry } from './retry';

/**
 * The data plane. Per consumed batch, in this order (DESIGN.md, "State and exactly-once"):
 * parse → ONE Postgres transaction (recorded decisions of re-delivered records, lock and load key
 * state, decide with the pure engine, write state, watermarks, audit rows, DLQ rows, rollups and
 * progress) → ONE Kafka transaction (every output + the input offset). A crash between the two
 * commits makes Kafka re-deliver the batch, and every record already decided re-emits its recorded
 * decision, so the committed output is the same as if nothing had happened.
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
    const now = Date.now();
    const semantics = this.config.semantics;
    const coords = (offset: string): RecordCoordinates => ({
      topic: batch.topic,
      partition: batch.partition,
      offset,
    });
    const parsed = batch.records.map((r) =>
      parseRecord(r.value, coords(r.offset), {
        maxPayloadBytes: this.config.limits.maxPayloadBytes,
        now,
        maxFutureSkewMs: semantics.maxFutureSkewMs,
      }),
    );
    const raw = new Map<string, RawRecord>(
      batch.records.map((r) => [
        coordKey(coords(r.offset)),
        { key: r.key, value: r.value, headers: r.headers },
      ]),
    );
    const logRetry = (what: string) => (attempt: number, error: unknown, delayMs: number) => {
      this.log.write('warn', `${what} failed; retrying`, {
        topic: batch.topic,
        partition: batch.partition,
        first_offset: batch.records[0]?.offset,
        attempt,
        delay_ms: delayMs,
        error: String(error),
      });
    };

    let decisions: DecisionRecord[];
    try {
      decisions = await withRetry(
        () => this.decideAndPersist(batch.topic, batch.partition, parsed, raw, last.offset, now),
        TRANSIENT_RETRY,
        logRetry('postgres batch transaction'),
      );
    } catch (error) {
      decisions = await this.isolatePoison(batch.topic, batch.partition, parsed, raw, now, error);
    }
    await control.heartbeat();
    if (control.isStale()) {
      // The partition was revoked while we worked: the new owner re-processes from the committed
      // offset and re-emits the decisions recorded here.
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
        logRetry('kafka transaction'),
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

  /**
   * The batch transaction kept failing. If Postgres is down, that is an outage: rethrow, and kafkajs
   * re-delivers the batch later (nothing is skipped). If Postgres answers, some record breaks the
   * transaction (a poison record the validation let through): decide the records one at a time, and
   * each one that still fails becomes `failed`, recorded in the DLQ with the error, while the rest of
   * the stream goes on.
   */
  private async isolatePoison(
    topic: string,
    partition: number,
    parsed: readonly ParsedRecord[],
    raw: ReadonlyMap<string, RawRecord>,
    now: number,
    batchError: unknown,
  ): Promise<DecisionRecord[]> {
    try {
      await this.repository.ping();
    } catch {
      throw batchError;
    }
    this.log.write('warn', 'batch transaction failed with Postgres up; deciding records one by one', {
      topic,
      partition,
      records: parsed.length,
      error: String(batchError),
    });
    const decisions: DecisionRecord[] = [];
    for (const record of parsed) {
      const offset = record.coords.offset;
      try {
        decisions.push(...(await this.decideAndPersist(topic, partition, [record], raw, offset, now)));
      } catch (error) {
        const failed = toDecisionRecord(
          failedDecision(
            record.coords,
            `processing failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
        this.log.write('error', 'record failed; sent to the DLQ', {
          topic,
          partition,
          offset,
          event_id: record.kind === 'valid' ? record.event.event_id : undefined,
          error: String(error),
        });
        await this.repository.inTransaction(async (tx) => {
          await tx.record([failed], raw);
          await tx.advanceProgress(topic, partition, offset);
        });
        decisions.push(failed);
      }
    }
    return decisions;
  }

  /** One Postgres transaction; returns one decision per record, in offset order. */
  private decideAndPersist(
    topic: string,
    partition: number,
    parsed: readonly ParsedRecord[],
    raw: ReadonlyMap<string, RawRecord>,
    lastOffset: string,
    now: number,
  ): Promise<DecisionRecord[]> {
    const semantics = this.config.semantics;
    return this.repository.inTransaction(async (tx) => {
      const progress = await tx.progress(topic, partition);
      const redelivered =
        progress === null
          ? []
          : parsed.filter((p) => BigInt(p.coords.offset) <= progress).map((p) => p.coords.offset);
      const recorded =
        redelivered.length > 0
          ? await tx.recordedDecisions(topic, partition, redelivered)
          : new Map<string, DecisionRecord>();
      const fresh = parsed.filter((p) => !recorded.has(p.coords.offset));
      const keys = new Set<string>();
      for (const p of fresh) {
        if (p.kind !== 'valid') continue;
        const k = stateKeysOf(p.event, semantics);
        if ('missing' in k) continue;
        for (const { stateKey } of k) keys.add(stateKey);
      }
      const states = await tx.lockStates([...keys]);
      const watermarks = await tx.loadWatermarks(topic);
      const out = decideEventBatch({ records: fresh, partition, states, watermarks, now, semantics });
      await tx.writeStates(out.changedStates, new Set(states.keys()));
      await tx.saveWatermarks(topic, partition, out.watermarks);
      const decided = out.decisions.map(toDecisionRecord);
      await tx.record(decided, raw);
      await tx.advanceProgress(topic, partition, lastOffset);
      const byOffset = new Map<string, DecisionRecord>(recorded);
      for (const d of decided) byOffset.set(d.coords.offset, d);
      return parsed.map((p) => {
        const d = byOffset.get(p.coords.offset);
        if (d === undefined) throw new Error(`no decision for ${coordKey(p.coords)}`);
        return d;
      });
    });
  }
}
