// The metric names, labels and scrape job the dashboards and alerts are written against. They mirror
// the processor's catalogue (METRIC in apps/processor/src/platform/metrics/metrics.service.ts, documented in
// docs/metrics.md); this code runs without the processor's build, so it keeps its own copy, and
// test/observability/prometheus.system.test.ts proves the two agree: every expression built from
// these names returns data from a real Prometheus scraping the real processor.

/** Prometheus job name of the processor's scrape config (`up{job="dedup-processor"}`). */
export const SCRAPE_JOB = 'dedup-processor';

/** The Grafana datasource every panel and alert queries (grafana/provisioning/datasources). */
export const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

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
  kafkaTransactionsTotal: 'dedup_kafka_transactions_total',
  kafkaProducerFencedTotal: 'dedup_kafka_producer_fenced_total',
  consumerRebalancesTotal: 'dedup_consumer_rebalances_total',
  consumerRestartsTotal: 'dedup_consumer_restarts_total',
  outputLsoLagRecords: 'dedup_output_lso_lag_records',
  outputLsoProbeErrorsTotal: 'dedup_output_lso_probe_errors_total',
  partitionLastCommitTimestampSeconds: 'dedup_partition_last_commit_timestamp_seconds',
  stateCacheLookupsTotal: 'dedup_state_cache_lookups_total',
  backfillProgressRatio: 'dedup_backfill_progress_ratio',
  backfillRemainingRecords: 'dedup_backfill_remaining_records',
  backfillJobs: 'dedup_backfill_jobs',
  httpRefusalsTotal: 'dedup_http_refusals_total',
  dlqReplayedRecordsTotal: 'dedup_dlq_replayed_records_total',
  dlqReplayRuns: 'dedup_dlq_replay_runs',
  processResidentMemoryBytes: 'process_resident_memory_bytes',
  processCpuSecondsTotal: 'process_cpu_seconds_total',
  eventLoopLagP99Seconds: 'nodejs_eventloop_lag_p99_seconds',
} as const;

/** The `outcome` label of dedup_events_total: the exhaustive outcome union of the processor. */
export const OUTCOMES = ['unique', 'duplicate', 'late', 'invalid', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Selects the processor's own `process_*` / `nodejs_*` series (other jobs export them too). */
export const JOB_SELECTOR = `job="${SCRAPE_JOB}"`;
