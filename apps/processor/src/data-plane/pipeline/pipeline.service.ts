import { Inject, Injectable } from '@nestjs/common';
import {
  failedDecision,
  parseRecord,
  StateCache,
  type ParsedRecord,
  type RecordCoordinates,
  type WatermarkSnapshot,
} from '@dedup/core';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import {
  KafkaAdapter,
  type BatchControl,
  type ConsumedBatch,
  type ConsumedRecord,
  type KafkaEvent,
} from '../../adapters/kafka/kafka.adapter';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { replayKey, replayOutcomeRows, replayRefOf } from './replay-records';
import { DedupRepository, type RawRecord } from '../dedup.repository';
import { RecordTrace } from '../../platform/telemetry/record-tracing';
import { BatchDecider, fingerprint, type DecidableBatch, type Decided } from './batch-decider';
import { coordKey, toDecisionRecord, type DecisionRecord } from './decision-record';
import { RoundGather } from './round-gather';
import { keyAndHeaderBytes, OUTPUT_HEADROOM_BYTES, toOutputRecord } from './output-records';
import { TakeoverFence } from './takeover-fence';
import { TRANSIENT_RETRY, isTransientDatabaseError, withRetry } from './retry';

/**
 * Sits between the consumer and the pipeline (a backfill's range end and rate limit): calls `next`
 * with the records to process now, or returns without calling it to leave the batch unprocessed.
 */
export type BatchGate = (
  batch: ConsumedBatch,
  control: BatchControl,
  next: (batch: ConsumedBatch) => Promise<void>,
) => Promise<void>;

/** A consumed record with what the batch needs to know about it. */
interface BatchRecord {
  readonly source: ConsumedRecord;
  readonly parsed: ParsedRecord;
  readonly raw: RawRecord;
  readonly trace: RecordTrace;
}

/** A shared round's transaction: one more attempt, then each batch on its own (docs/adr/0019). */
const SHARED_ROUND_RETRY = { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 };

/** A round's transaction failed for good: its error, and how many batches the round had. */
class RoundFailed extends Error {
  constructor(
    override readonly cause: unknown,
    readonly batches: number,
  ) {
    super(`round of ${batches} batch(es) failed: ${String(cause)}`);
  }
}

/** How often the consumer lag is read from the broker (besides each committed batch). */
const LAG_REFRESH_MS = 15_000;

/**
 * The data plane. Per consumed batch, in this order (DESIGN.md, "State and exactly-once";
 * docs/adr/0003): parse → ONE Postgres transaction (BatchDecider: recorded decisions of re-delivered
 * records, lock and load key state, decide with the pure engine, write state, watermarks, audit rows,
 * DLQ rows, rollups and progress) → ONE Kafka transaction (every output + the input offset). The
 * batches of a kafkajs round (one per partition consumed concurrently) share both transactions: the
 * Postgres one (docs/adr/0019) and the Kafka one (docs/adr/0017).
 */
@Injectable()
export class PipelineService {
  private readonly log: JsonLogger;
  private running = false;
  private lagTimer: NodeJS.Timeout | undefined;
  /** Reads a partition's committed offset once per assignment and drops what was already emitted. */
  private readonly fence: TakeoverFence;
  /** The round's batches meet here for one Postgres transaction (docs/adr/0019). */
  private readonly rounds: RoundGather<DecidableBatch, Decided>;
  /** handleBatch calls in progress that are past the Postgres stage (waiting for Kafka, or done). */
  private pastPostgres = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(DedupRepository) private readonly repository: DedupRepository,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(BatchDecider) private readonly decider: BatchDecider,
    @Inject(StateCache) private readonly cache: StateCache,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'pipeline', pipeline: config.pipeline.name });
    this.fence = new TakeoverFence(
      () => kafka.assignmentGeneration,
      (topic, partition) => kafka.readCommittedOffset(topic, partition),
    );
    this.rounds = new RoundGather(
      () => kafka.batchesInFlight - this.pastPostgres,
      config.kafka.batch.roundWaitMs,
      (batches) => this.decideRound(batches),
      config.kafka.batch.roundMaxRecords,
      (batch) => batch.records.length,
    );
    kafka.onBatchEnd(() => this.rounds.check());
  }

  get isRunning(): boolean {
    return this.running;
  }

  private async refreshLag(): Promise<void> {
    try {
      for (const p of await this.kafka.assignedLag())
        this.metrics.setConsumerLag(p.topic, p.partition, p.lag);
    } catch (error) {
      // The broker is away: the next refresh, or the next batch, sets it.
      this.log.write('debug', 'could not refresh the consumer lag', { error: String(error) });
    }
  }

  /** Why the Kafka consumer is not consuming (a crash it is being restarted from), or null. */
  get consumerFailure(): string | null {
    return this.kafka.consumerFailure;
  }

  async start(gate?: BatchGate): Promise<void> {
    const t = this.config.topics;
    await this.kafka.ensureTopics(
      [t.input, t.output, t.duplicates, t.late, t.dlq],
      this.config.kafka.topicPartitions,
    );
    this.kafka.onRebalance(() => {
      // A revoked partition's lag series would otherwise keep its last value (and an alert on).
      this.metrics.forgetConsumerLag();
      // The keys of partitions that move are written by another member from now on: start over
      // rather than keep versions it may supersede (safe either way, see planStateReads).
      this.cache.clear();
    });
    this.kafka.onEvent((event) => this.countKafkaEvent(event));
    await this.kafka.start((batch, control) =>
      gate === undefined
        ? this.handleBatch(batch, control)
        : gate(batch, control, (gated) => this.handleBatch(gated, control)),
    );
    this.running = true;
    // A batch sets its partition's lag as it commits; this also sets it when none commits (a stalled
    // or crashed consumer), from the broker's end offsets and the group's committed ones.
    this.lagTimer = setInterval(() => void this.refreshLag(), LAG_REFRESH_MS);
    this.lagTimer.unref();
    this.log.write('info', 'pipeline consuming', { topic: t.input, group: this.config.kafka.groupId });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.lagTimer !== undefined) clearInterval(this.lagTimer);
    this.lagTimer = undefined;
    await this.kafka.stop();
  }

  async handleBatch(batch: ConsumedBatch, control: BatchControl): Promise<void> {
    const stage = { past: false };
    const passPostgres = () => {
      if (stage.past) return;
      stage.past = true;
      this.pastPostgres++;
      // One fewer batch to wait for: the others' round may start now.
      this.rounds.check();
    };
    try {
      await this.processBatch(batch, control, passPostgres);
    } finally {
      if (stage.past) this.pastPostgres--;
    }
  }

  private async processBatch(
    batch: ConsumedBatch,
    control: BatchControl,
    passPostgres: () => void,
  ): Promise<void> {
    const last = batch.records.at(-1);
    if (last === undefined) return;
    const started = performance.now();
    const { topic, partition } = batch;
    const sources = await this.skipCommitted(batch);
    if (sources.length === 0) {
      passPostgres();
      control.markProcessed(last.offset);
      return;
    }
    const now = Date.now();
    const semantics = this.config.semantics;
    const records: BatchRecord[] = sources.map((source) => {
      const coords: RecordCoordinates = { topic, partition, offset: source.offset };
      return {
        source,
        parsed: parseRecord(source.value, coords, {
          maxPayloadBytes: this.config.limits.maxPayloadBytes,
          maxRecordBytes: this.config.limits.maxOutputRecordBytes,
          otherBytes: keyAndHeaderBytes(source) + OUTPUT_HEADROOM_BYTES,
          now,
          maxFutureSkewMs: semantics.maxFutureSkewMs,
        }),
        raw: { key: source.key, value: source.value, headers: source.headers },
        trace: RecordTrace.start(source.headers, {
          topic,
          partition,
          offset: source.offset,
          consumerGroup: this.config.kafka.groupId,
          pipeline: this.config.pipeline.name,
        }),
      };
    });
    const byCoords = new Map(records.map((r) => [coordKey(r.parsed.coords), r]));
    const logRetry = (what: string) => (attempt: number, error: unknown, delayMs?: number) => {
      this.log.write('warn', `${what} failed; retrying`, {
        topic,
        partition,
        first_offset: sources[0]?.offset,
        attempt,
        delay_ms: delayMs,
        error: String(error),
      });
    };

    let decided: Decided;
    const postgresStarted = performance.now();
    try {
      let fromRound: Decided | undefined;
      let roundError: unknown;
      try {
        fromRound = await this.rounds.join({ topic, partition, records, lastOffset: last.offset });
      } catch (error) {
        roundError = error;
      } finally {
        // Past the round: the next one need not wait for this batch.
        passPostgres();
      }
      if (fromRound !== undefined) {
        decided = fromRound;
      } else if (roundError instanceof RoundFailed && roundError.batches === 1) {
        // A round of this batch alone: its retries were the batch's own.
        decided = await this.isolatePoison(topic, partition, records, now, roundError.cause);
      } else {
        // The shared transaction failed (some record breaks it, or a partition's lock is held
        // elsewhere): this batch on its own, with its own transaction, retries and poison isolation.
        this.log.write('warn', "the round's Postgres transaction failed; deciding the batch on its own", {
          topic,
          partition,
          first_offset: sources[0]?.offset,
          error: String(roundError instanceof RoundFailed ? roundError.cause : roundError),
        });
        try {
          decided = await withRetry(
            () => this.decider.decideAndPersist(topic, partition, records, last.offset, now),
            TRANSIENT_RETRY,
            logRetry('postgres batch transaction'),
            undefined,
            isTransientDatabaseError,
          );
        } catch (error) {
          decided = await this.isolatePoison(topic, partition, records, now, error);
        }
      }
    } catch (error) {
      for (const r of records) r.trace.end('error', error);
      throw error;
    } finally {
      passPostgres();
    }
    this.metrics.observeBatchStage('postgres', (performance.now() - postgresStarted) / 1000);
    const { decisions } = decided;
    const outputs = decisions.map((d) => {
      const record = byCoords.get(coordKey(d.coords));
      if (record === undefined) throw new Error(`decision for unknown record ${coordKey(d.coords)}`);
      return toOutputRecord(
        d,
        { ...record.raw, headers: record.trace.inject(record.raw.headers) },
        this.config,
      );
    });
    let result;
    const kafkaStarted = performance.now();
    try {
      result = await this.kafka.commitBatch(
        {
          topic,
          partition,
          firstOffset: sources[0]?.offset ?? last.offset,
          nextOffset: (BigInt(last.offset) + 1n).toString(),
        },
        outputs,
        logRetry('kafka transaction'),
      );
    } catch (error) {
      for (const r of records) r.trace.end('error', error);
      throw error;
    }
    this.metrics.observeBatchStage('kafka', (performance.now() - kafkaStarted) / 1000);
    if (result === 'not-assigned') {
      // The partition moved to another member while we retried: it re-emits the recorded decisions.
      this.log.write('info', 'partition revoked before the batch committed; leaving it to the new owner', {
        topic,
        partition,
      });
      for (const r of records) r.trace.end('revoked');
      return;
    }
    // The offset is committed inside the transaction; this only tells kafkajs to fetch past it.
    control.markProcessed(last.offset);
    for (const d of decisions) {
      this.metrics.countOutcome(topic, d.outcome);
      byCoords.get(coordKey(d.coords))?.trace.end(d.outcome);
    }
    if (decided.watermarks !== undefined) {
      this.metrics.observeWatermarks(topic, decided.watermarks, semantics.maxOutOfOrdernessMs);
    }
    if (decided.watermarkBefore !== null) {
      for (const d of decisions) {
        if (d.eventTime === null) continue;
        this.metrics.observeLateness(topic, Math.max(0, (decided.watermarkBefore - d.eventTime) / 1000));
      }
    }
    this.metrics.observeCommittedBatch({
      topic,
      partition,
      seconds: (performance.now() - started) / 1000,
      recordTimestamps: sources.map((s) => s.timestamp),
      consumerLag: Number(BigInt(batch.highWatermark) - BigInt(last.offset) - 1n),
    });
  }

  /**
   * One Postgres transaction for a round's batches (docs/adr/0019), retried while its failure is
   * transient: a round of one batch as a batch's own transaction always was (TRANSIENT_RETRY), a
   * shared one once (its batches then go one by one, each with those retries: a poison record or
   * a partition locked elsewhere holds the others back for one more attempt only).
   */
  private async decideRound(batches: readonly DecidableBatch[]): Promise<readonly Decided[]> {
    try {
      return await this.retryRound(batches);
    } catch (error) {
      throw new RoundFailed(error, batches.length);
    }
  }

  private retryRound(batches: readonly DecidableBatch[]): Promise<readonly Decided[]> {
    return withRetry(
      () => this.decider.decideRound(batches, Date.now()),
      batches.length === 1 ? TRANSIENT_RETRY : SHARED_ROUND_RETRY,
      (attempt, error, delayMs) => {
        this.log.write('warn', "a round's postgres transaction failed; retrying", {
          batches: batches.map((b) => `${b.topic}/${b.partition}@${b.records[0]?.parsed.coords.offset}`),
          attempt,
          delay_ms: delayMs,
          error: String(error),
        });
      },
      undefined,
      isTransientDatabaseError,
    );
  }

  /** Exactly-once health (docs/metrics.md): transactions, fencing, group joins, as the adapter reports them. */
  private countKafkaEvent(event: KafkaEvent): void {
    switch (event.kind) {
      case 'transaction-committed':
        this.metrics.countTransaction('committed');
        return;
      case 'transaction-aborted':
        this.metrics.countTransaction('aborted');
        return;
      case 'producer-fenced':
        this.metrics.countProducerFenced();
        this.log.write(
          'warn',
          'transactional producer fenced (a transaction outlived its timeout); recreated, its batches retry',
        );
        return;
      case 'generation-refused':
        // Logged by the adapter with the partitions; their batches return not-assigned.
        return;
      case 'group-joined':
        this.metrics.countRebalance();
        return;
      case 'consumer-crashed':
        // The adapter logs it and starts a new consumer; readiness says why nothing is consumed
        // meanwhile, and the consumer-lag alert fires if it does not recover.
        this.metrics.countConsumerRestart();
        return;
    }
  }

  /**
   * Drops the records below the group's committed offset (a previous owner emitted them; see
   * TakeoverFence), read on the first batch of each assignment once no transactional commit to the
   * partition is pending (a previous owner's, or a killed instance's until the broker aborts it).
   */
  private async skipCommitted(batch: ConsumedBatch): Promise<readonly ConsumedRecord[]> {
    const { kept, fenced } = await this.fence.check(batch.topic, batch.partition, batch.records);
    if (fenced === undefined && kept.length === batch.records.length) return kept;
    // One line per partition and assignment, and one per later batch that still met records below
    // the committed offset: what a takeover saw, for exactly-once forensics.
    this.log.write(
      'info',
      fenced === undefined
        ? 'records below the committed offset skipped (a previous owner emitted them)'
        : 'partition assigned; resuming after the committed offset',
      {
        topic: batch.topic,
        partition: batch.partition,
        generation: this.kafka.assignmentGeneration,
        committed: fenced === undefined ? undefined : (fenced.committed?.toString() ?? null),
        batch_first_offset: batch.records[0]?.offset,
        batch_last_offset: batch.records.at(-1)?.offset,
        skipped: batch.records.length - kept.length,
      },
    );
    return kept;
  }

  /**
   * The batch transaction failed for good. If Postgres is down, that is an outage: rethrow, and kafkajs
   * re-delivers the batch later (nothing is skipped). If Postgres answers, some record breaks the
   * transaction (a poison record the validation let through): decide the records one at a time, and
   * each one that still fails becomes `failed`, recorded in the DLQ with the error, while the rest of
   * the stream goes on.
   */
  private async isolatePoison(
    topic: string,
    partition: number,
    records: readonly BatchRecord[],
    now: number,
    batchError: unknown,
  ): Promise<Decided> {
    try {
      await this.repository.ping();
    } catch {
      throw batchError;
    }
    this.log.write('warn', 'batch transaction failed with Postgres up; deciding records one by one', {
      topic,
      partition,
      records: records.length,
      error: String(batchError),
    });
    const decisions: DecisionRecord[] = [];
    let watermarks: WatermarkSnapshot | undefined;
    for (const record of records) {
      const offset = record.parsed.coords.offset;
      try {
        const one = await withRetry(
          () => this.decider.decideAndPersist(topic, partition, [record], offset, now),
          { attempts: 2, baseDelayMs: 50, maxDelayMs: 200 },
          undefined,
          undefined,
          isTransientDatabaseError,
        );
        decisions.push(...one.decisions);
        watermarks = one.watermarks ?? watermarks;
      } catch (error) {
        const failed = toDecisionRecord(
          failedDecision(
            record.parsed.coords,
            `processing failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
          record.trace.traceId,
        );
        this.log.write('error', 'record failed; sent to the DLQ', {
          topic,
          partition,
          offset,
          event_id: record.parsed.kind === 'valid' ? record.parsed.event.event_id : undefined,
          trace_id: record.trace.traceId,
          error: String(error),
        });
        const hash = fingerprint(record.raw.value);
        const decided = await this.repository.inTransaction(async (tx): Promise<DecisionRecord> => {
          // The partition's lock first, like every batch: its holder is the only writer of these
          // coordinates (the audit keeps them unique by that, docs/adr/0010). A decision recorded
          // meanwhile for the same bytes (another owner during a rebalance, or before a crash) is
          // the record's decision: re-emitted, not replaced by a failure.
          const progress = await tx.progress(topic, partition);
          if (progress !== null && BigInt(offset) <= progress) {
            const recorded = (await tx.recordedDecisions(topic, partition, [offset])).get(offset);
            if (recorded !== undefined && recorded.recordHash === hash) return recorded.decision;
          }
          // A replayed DLQ record that fails again counts against its own DLQ row (docs/adr/0009).
          const ref = replayRefOf(record.raw);
          const item = ref === null ? undefined : (await tx.replayItems([ref])).get(replayKey(ref));
          const replay = ref !== null && item !== undefined && item.decided === null ? ref : null;
          await tx.record(
            [failed],
            new Map([[coordKey(record.parsed.coords), record.raw]]),
            new Map([[coordKey(record.parsed.coords), hash]]),
            () => progress,
            replay === null ? new Set() : new Set([coordKey(record.parsed.coords)]),
          );
          if (replay !== null) {
            await tx.recordReplays(
              replayOutcomeRows([failed], new Map([[coordKey(record.parsed.coords), replay]])),
              this.config.dlq.maxAttempts,
            );
          }
          await tx.advanceProgress(topic, partition, offset);
          return failed;
        });
        if (decided !== failed) {
          this.log.write('info', 'record already decided (same bytes): its recorded decision stands', {
            topic,
            partition,
            offset,
            outcome: decided.outcome,
          });
        }
        decisions.push(decided);
      }
    }
    return { decisions, watermarks, watermarkBefore: null };
  }
}
