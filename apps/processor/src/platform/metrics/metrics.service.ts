import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Outcome } from '@dedup/contracts';
import type { WatermarkSnapshot } from '@dedup/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric name the processor exports; docs/metrics.md is the catalogue for operators. */
export const METRIC = {
  eventsTotal: 'dedup_events_total',
  partitionWatermarkSeconds: 'dedup_partition_watermark_seconds',
  watermarkSeconds: 'dedup_watermark_seconds',
  watermarkLagSeconds: 'dedup_watermark_lag_seconds',
  eventLatenessSeconds: 'dedup_event_lateness_seconds',
  dlqOpenRecords: 'dedup_dlq_open_records',
  dlqOldestOpenAgeSeconds: 'dedup_dlq_oldest_open_age_seconds',
  stateKeys: 'dedup_state_keys',
  batchDurationSeconds: 'dedup_batch_duration_seconds',
  batchStageSeconds: 'dedup_batch_stage_seconds',
  batchRecords: 'dedup_batch_records',
  endToEndLatencySeconds: 'dedup_end_to_end_latency_seconds',
  consumerLagRecords: 'dedup_consumer_lag_records',
  transactionsTotal: 'dedup_kafka_transactions_total',
  producerFencedTotal: 'dedup_kafka_producer_fenced_total',
  consumerRebalancesTotal: 'dedup_consumer_rebalances_total',
  consumerRestartsTotal: 'dedup_consumer_restarts_total',
  outputLsoLagRecords: 'dedup_output_lso_lag_records',
  outputLsoProbeErrorsTotal: 'dedup_output_lso_probe_errors_total',
  partitionLastCommitTimestampSeconds: 'dedup_partition_last_commit_timestamp_seconds',
  stateCacheLookupsTotal: 'dedup_state_cache_lookups_total',
  stateCacheEntries: 'dedup_state_cache_entries',
  bloomTargetFalsePositiveRate: 'dedup_bloom_target_false_positive_rate',
  bloomEstimatedFalsePositiveRate: 'dedup_bloom_estimated_false_positive_rate',
  bloomGenerations: 'dedup_bloom_generations',
  bloomBytes: 'dedup_bloom_bytes',
  backfillProgressRatio: 'dedup_backfill_progress_ratio',
  backfillRemainingRecords: 'dedup_backfill_remaining_records',
  backfillJobs: 'dedup_backfill_jobs',
  httpRefusalsTotal: 'dedup_http_refusals_total',
  dlqReplayedRecordsTotal: 'dedup_dlq_replayed_records_total',
  dlqReplayRuns: 'dedup_dlq_replay_runs',
} as const;

/**
 * The `error_type` label of the DLQ gauges: every error type a record can fail with (libs/core
 * InvalidErrorType and `processing_failed`), each exported (0 when none) so the series never vanish.
 */
export const DLQ_ERROR_TYPES = [
  'empty_record',
  'payload_too_large',
  'invalid_utf8',
  'invalid_json',
  'schema_violation',
  'event_time_in_future',
  'missing_key_field',
  'processing_failed',
] as const;
const OUTCOME_LABELS = ['unique', 'duplicate', 'late', 'invalid', 'failed'] as const;

export type HttpRefusalReason =
  'unauthenticated' | 'forbidden' | 'rate_limited_identity' | 'rate_limited_address';

/** Optional provider token for MetricsService's options (the app module provides none). */
export const METRICS_OPTIONS = 'METRICS_OPTIONS';

/** Seconds; batches take a few ms on an idle box and seconds under backpressure. */
const BATCH_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_RECORDS_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000];
/** Seconds from the record's timestamp to its output committing. */
export const END_TO_END_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds behind the pipeline watermark: fine below a minute, coarse up to an hour. */
const LATENESS_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly events: Counter<'topic' | 'outcome'>;
  private readonly batchDuration: Histogram;
  private readonly batchStage: Histogram<'stage'>;
  private readonly batchRecords: Histogram;
  private readonly endToEnd: Histogram;
  private readonly lateness: Histogram<'topic'>;
  private readonly transactions: Counter<'result'>;
  private readonly producerFenced: Counter;
  private readonly rebalances: Counter;
  private readonly consumerRestarts: Counter;
  private readonly outputLsoLag: Gauge<'topic' | 'partition'>;
  private readonly outputLsoProbeErrors: Counter;
  private readonly lastCommit: Gauge<'topic' | 'partition'>;
  private readonly stateKeys: Gauge;
  private readonly dlqOpen: Gauge<'error_type'>;
  private readonly dlqOldest: Gauge<'error_type'>;
  private readonly dlqReplayed: Counter<'outcome'>;
  private readonly dlqReplayRuns: Gauge<'status'>;
  private readonly consumerLag: Gauge<'topic' | 'partition'>;
  private readonly partitionWatermark: Gauge<'topic' | 'partition'>;
  private readonly pipelineWatermark: Gauge<'topic'>;
  private readonly cacheLookups: Counter<'result'>;
  private readonly cacheEntries: Gauge;
  private readonly bloomTarget: Gauge;
  private readonly bloomEstimated: Gauge;
  private readonly bloomGenerations: Gauge;
  private readonly bloomBytes: Gauge;
  private readonly backfillProgress: Gauge<'backfill'>;
  private readonly backfillRemaining: Gauge<'backfill'>;
  private readonly backfillJobs: Gauge<'status'>;
  private readonly httpRefusals: Counter<'reason'>;
  /** Latest partition watermarks (epoch ms) by topic and partition; the lag is computed at scrape. */
  private readonly watermarks = new Map<string, Map<number, number>>();

  /**
   * `processMetrics: false` for a registry nobody scrapes (a backfill run's): prom-client's default
   * collectors keep GC and event-loop observers running, which only the served registry needs.
   */
  constructor(@Optional() @Inject(METRICS_OPTIONS) options?: { readonly processMetrics: boolean }) {
    if (options?.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.events = new Counter({
      name: METRIC.eventsTotal,
      help: 'Input records by decided outcome, counted when their Kafka transaction commits',
      labelNames: ['topic', 'outcome'],
      registers,
    });
    this.partitionWatermark = new Gauge({
      name: METRIC.partitionWatermarkSeconds,
      help: 'Watermark of an input partition (max event time minus max out-of-orderness), epoch seconds',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.pipelineWatermark = new Gauge({
      name: METRIC.watermarkSeconds,
      help: 'Pipeline watermark (minimum over active partitions, never decreasing), epoch seconds',
      labelNames: ['topic'],
      registers,
    });
    const watermarks = this.watermarks;
    new Gauge({
      name: METRIC.watermarkLagSeconds,
      help: 'Wall clock minus the partition watermark: how far event time trails real time',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        const now = Date.now();
        for (const [topic, partitions] of watermarks) {
          for (const [partition, wm] of partitions) {
            this.set({ topic, partition: String(partition) }, Math.max(0, (now - wm) / 1000));
          }
        }
      },
    });
    this.lateness = new Histogram({
      name: METRIC.eventLatenessSeconds,
      help: 'How far behind the pipeline watermark each valid event arrived (0 when ahead of it)',
      labelNames: ['topic'],
      buckets: LATENESS_BUCKETS,
      registers,
    });
    this.dlqOpen = new Gauge({
      name: METRIC.dlqOpenRecords,
      help: 'DLQ records with status open for this pipeline, by error type',
      labelNames: ['error_type'],
      registers,
    });
    this.dlqOldest = new Gauge({
      name: METRIC.dlqOldestOpenAgeSeconds,
      help: 'Age of the oldest open DLQ record of each error type (0 when none is open)',
      labelNames: ['error_type'],
      registers,
    });
    for (const errorType of DLQ_ERROR_TYPES) {
      this.dlqOpen.set({ error_type: errorType }, 0);
      this.dlqOldest.set({ error_type: errorType }, 0);
    }
    this.dlqReplayed = new Counter({
      name: METRIC.dlqReplayedRecordsTotal,
      help: 'Replayed DLQ records decided by this instance, by the outcome of their first decision',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of OUTCOME_LABELS) this.dlqReplayed.inc({ outcome }, 0);
    this.dlqReplayRuns = new Gauge({
      name: METRIC.dlqReplayRuns,
      help: 'DLQ replay runs of this pipeline by status (running, paused)',
      labelNames: ['status'],
      registers,
    });
    for (const status of ['running', 'paused']) this.dlqReplayRuns.set({ status }, 0);
    this.stateKeys = new Gauge({
      name: METRIC.stateKeys,
      help: 'Dedup state keys held in Postgres for this pipeline (refreshed by the expiry sweep)',
      registers,
    });
    this.batchDuration = new Histogram({
      name: METRIC.batchDurationSeconds,
      help: 'Time to decide, persist and commit one consumed batch',
      buckets: BATCH_DURATION_BUCKETS,
      registers,
    });
    this.batchStage = new Histogram({
      name: METRIC.batchStageSeconds,
      help: "One stage of a batch: 'postgres' (its round's Postgres transaction, the wait for the round and retries included) or 'kafka' (the output transaction)",
      labelNames: ['stage'],
      buckets: BATCH_DURATION_BUCKETS,
      registers,
    });
    this.batchRecords = new Histogram({
      name: METRIC.batchRecords,
      help: 'Records per consumed batch',
      buckets: BATCH_RECORDS_BUCKETS,
      registers,
    });
    this.endToEnd = new Histogram({
      name: METRIC.endToEndLatencySeconds,
      help: 'Record timestamp (producer or broker) to its output committed',
      buckets: END_TO_END_BUCKETS,
      registers,
    });
    this.consumerLag = new Gauge({
      name: METRIC.consumerLagRecords,
      help: 'Records in the input partition after the last committed batch (high watermark minus next offset)',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.transactions = new Counter({
      name: METRIC.transactionsTotal,
      help: 'Kafka transactions by result: one per batch, and one more per retry of an aborted one; none with PROCESSING_GUARANTEE=at_least_once',
      labelNames: ['result'],
      registers,
    });
    // Both series exist from the start, so the abort share is defined before the first abort.
    this.transactions.inc({ result: 'committed' }, 0);
    this.transactions.inc({ result: 'aborted' }, 0);
    this.producerFenced = new Counter({
      name: METRIC.producerFencedTotal,
      help: "This instance's transactional producer fenced (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH): a transaction outlived KAFKA_TRANSACTION_TIMEOUT_MS",
      registers,
    });
    this.rebalances = new Counter({
      name: METRIC.consumerRebalancesTotal,
      help: 'Consumer group joins of this instance: the rebalances it took part in, its first join included',
      registers,
    });
    this.consumerRestarts = new Counter({
      name: METRIC.consumerRestartsTotal,
      help: 'Kafka consumers this instance replaced after kafkajs gave up on one (an error it does not retry); a new one starts after a backoff',
      registers,
    });
    this.outputLsoLag = new Gauge({
      name: METRIC.outputLsoLagRecords,
      help: 'Per output partition: end offset minus last stable offset (records read_committed readers cannot see yet: an open transaction), probed every 10 s',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.outputLsoProbeErrors = new Counter({
      name: METRIC.outputLsoProbeErrorsTotal,
      help: 'Probes of the output partitions offsets that failed (the lag series are dropped until one succeeds)',
      registers,
    });
    this.lastCommit = new Gauge({
      name: METRIC.partitionLastCommitTimestampSeconds,
      help: 'When this instance last committed a batch of the input partition, epoch seconds (time() minus it: seconds since)',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: METRIC.stateCacheLookupsTotal,
      help: 'Records whose first key was looked up in the state cache: hit = decided without locking its row',
      labelNames: ['result'],
      registers,
    });
    // Both series exist from the start, so a rate over them is defined before the first hit.
    this.cacheLookups.inc({ result: 'hit' }, 0);
    this.cacheLookups.inc({ result: 'miss' }, 0);
    this.cacheEntries = new Gauge({
      name: METRIC.stateCacheEntries,
      help: 'Committed key states held by the in-memory state cache',
      registers,
    });
    this.bloomTarget = new Gauge({
      name: METRIC.bloomTargetFalsePositiveRate,
      help: 'Approximate mode: the configured false-positive rate per record',
      registers,
    });
    this.bloomEstimated = new Gauge({
      name: METRIC.bloomEstimatedFalsePositiveRate,
      help: 'Approximate mode: estimated false-positive rate per record now, from the bits set in the filter',
      registers,
    });
    this.bloomGenerations = new Gauge({
      name: METRIC.bloomGenerations,
      help: 'Approximate mode: Bloom filter generations held in Postgres',
      registers,
    });
    this.bloomBytes = new Gauge({
      name: METRIC.bloomBytes,
      help: 'Approximate mode: bytes of Bloom filter bits held in Postgres',
      registers,
    });
    // `backfill` is a job id; only running and paused jobs have series (a handful at a time).
    this.backfillProgress = new Gauge({
      name: METRIC.backfillProgressRatio,
      help: 'Backfill progress: records processed over records in its range (0 to 1), per running or paused job',
      labelNames: ['backfill'],
      registers,
    });
    this.backfillRemaining = new Gauge({
      name: METRIC.backfillRemainingRecords,
      help: 'Backfill records left in its range, per running or paused job',
      labelNames: ['backfill'],
      registers,
    });
    this.backfillJobs = new Gauge({
      name: METRIC.backfillJobs,
      help: 'Backfill jobs of this pipeline by status',
      labelNames: ['status'],
      registers,
    });
    this.httpRefusals = new Counter({
      name: METRIC.httpRefusalsTotal,
      help: 'Control-plane API calls refused: no or a bad credential, the wrong role, or a rate limit',
      labelNames: ['reason'],
      registers,
    });
  }

  /** `reason`: unauthenticated (401), forbidden (403), rate_limited_identity / rate_limited_address (429). */
  countRefusal(reason: HttpRefusalReason): void {
    this.httpRefusals.inc({ reason });
  }

  countOutcome(topic: string, outcome: Outcome, n = 1): void {
    this.events.inc({ topic, outcome }, n);
  }

  observeWatermarks(topic: string, snapshot: WatermarkSnapshot, maxOutOfOrdernessMs: number): void {
    const partitions = this.watermarks.get(topic) ?? new Map<number, number>();
    this.watermarks.set(topic, partitions);
    for (const p of snapshot.partitions) {
      const wm = p.maxEventTime - maxOutOfOrdernessMs;
      partitions.set(p.partition, wm);
      this.partitionWatermark.set({ topic, partition: String(p.partition) }, wm / 1000);
    }
    if (snapshot.pipelineWatermark !== null)
      this.pipelineWatermark.set({ topic }, snapshot.pipelineWatermark / 1000);
  }

  observeLateness(topic: string, seconds: number): void {
    this.lateness.observe({ topic }, seconds);
  }

  /** A batch committed: its duration, size, each record's end-to-end latency, the partition lag, and when. */
  observeCommittedBatch(b: {
    topic: string;
    partition: number;
    seconds: number;
    recordTimestamps: readonly number[];
    consumerLag: number;
  }): void {
    this.batchDuration.observe(b.seconds);
    this.batchRecords.observe(b.recordTimestamps.length);
    const now = Date.now();
    for (const ts of b.recordTimestamps) {
      if (Number.isFinite(ts) && ts > 0) this.endToEnd.observe(Math.max(0, (now - ts) / 1000));
    }
    const partition = { topic: b.topic, partition: String(b.partition) };
    this.consumerLag.set(partition, Math.max(0, b.consumerLag));
    this.lastCommit.set(partition, now / 1000);
  }

  /** A partition's lag read from the broker (refreshed even when no batch commits: a stall shows). */
  setConsumerLag(topic: string, partition: number, lag: number): void {
    this.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, lag));
  }

  forgetConsumerLag(): void {
    this.consumerLag.reset();
  }

  setStateKeys(n: number): void {
    this.stateKeys.set(n);
  }

  /** Open DLQ records and the oldest one's age, by error type; a type not listed has none. */
  setDlq(byType: ReadonlyMap<string, { open: number; oldestAgeSeconds: number }>): void {
    for (const errorType of new Set([...DLQ_ERROR_TYPES, ...byType.keys()])) {
      const seen = byType.get(errorType);
      this.dlqOpen.set({ error_type: errorType }, seen?.open ?? 0);
      this.dlqOldest.set({ error_type: errorType }, seen?.oldestAgeSeconds ?? 0);
    }
  }

  countReplayed(outcome: Outcome, n = 1): void {
    this.dlqReplayed.inc({ outcome }, n);
  }

  setReplayRuns(running: number, paused: number): void {
    this.dlqReplayRuns.set({ status: 'running' }, running);
    this.dlqReplayRuns.set({ status: 'paused' }, paused);
  }

  /** Where a batch's time goes: Postgres's batch transaction or Kafka's output transaction. */
  observeBatchStage(stage: 'postgres' | 'kafka', seconds: number): void {
    this.batchStage.observe({ stage }, seconds);
  }

  countTransaction(result: 'committed' | 'aborted'): void {
    this.transactions.inc({ result });
  }

  countProducerFenced(): void {
    this.producerFenced.inc();
  }

  countRebalance(): void {
    this.rebalances.inc();
  }

  countConsumerRestart(): void {
    this.consumerRestarts.inc();
  }

  /** Replaces the output partitions' LSO lag series with a probe's result (none: the probe failed). */
  setOutputLsoLags(
    outputs: readonly { topic: string; partition: number; lastStableOffsetLag: number }[],
  ): void {
    this.outputLsoLag.reset();
    for (const o of outputs) {
      this.outputLsoLag.set({ topic: o.topic, partition: String(o.partition) }, o.lastStableOffsetLag);
    }
  }

  countOutputLsoProbeError(): void {
    this.outputLsoProbeErrors.inc();
  }

  countStateCacheLookups(hits: number, misses: number): void {
    if (hits > 0) this.cacheLookups.inc({ result: 'hit' }, hits);
    if (misses > 0) this.cacheLookups.inc({ result: 'miss' }, misses);
  }

  setStateCacheEntries(n: number): void {
    this.cacheEntries.set(n);
  }

  setBloomTarget(falsePositiveRate: number): void {
    this.bloomTarget.set(falsePositiveRate);
  }

  /** Replaces the backfill series: `active` are the running and paused jobs. */
  setBackfills(
    active: readonly { id: string; progress: number; remainingRecords: number }[],
    jobsByStatus: ReadonlyMap<string, number>,
  ): void {
    this.backfillProgress.reset();
    this.backfillRemaining.reset();
    for (const job of active) {
      this.backfillProgress.set({ backfill: job.id }, job.progress);
      this.backfillRemaining.set({ backfill: job.id }, job.remainingRecords);
    }
    for (const [status, n] of jobsByStatus) this.backfillJobs.set({ status }, n);
  }

  setBloomFilters(b: { estimatedFalsePositiveRate: number; generations: number; bytes: number }): void {
    this.bloomEstimated.set(b.estimatedFalsePositiveRate);
    this.bloomGenerations.set(b.generations);
    this.bloomBytes.set(b.bytes);
  }
}
