import { Injectable } from '@nestjs/common';
import type { Outcome } from '@dedup/contracts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric name the processor exports; docs/metrics.md is the catalogue for operators. */
export const METRIC = {
  eventsTotal: 'dedup_events_total',
  batchDurationSeconds: 'dedup_batch_duration_seconds',
  batchSize: 'dedup_batch_records',
  transactionsTotal: 'dedup_kafka_transactions_total',
  stateKeys: 'dedup_state_keys',
} as const;

/** Seconds; batches are a few ms on an idle box and seconds under backpressure. */
const BATCH_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000];

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly events: Counter<'topic' | 'outcome'>;
  private readonly batchDuration: Histogram;
  private readonly batchSize: Histogram;
  private readonly transactions: Counter<'result'>;
  private readonly stateKeys: Gauge;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.events = new Counter({
      name: METRIC.eventsTotal,
      help: 'Input records by decided outcome',
      labelNames: ['topic', 'outcome'],
      registers: [this.registry],
    });
    this.batchDuration = new Histogram({
      name: METRIC.batchDurationSeconds,
      help: 'Time to decide, persist and commit one consumed batch',
      buckets: BATCH_DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.batchSize = new Histogram({
      name: METRIC.batchSize,
      help: 'Records per consumed batch',
      buckets: BATCH_SIZE_BUCKETS,
      registers: [this.registry],
    });
    this.stateKeys = new Gauge({
      name: METRIC.stateKeys,
      help: 'Dedup state keys held in Postgres for this pipeline (refreshed by the expiry sweep)',
      registers: [this.registry],
    });
    this.transactions = new Counter({
      name: METRIC.transactionsTotal,
      help: 'Kafka transactions by result (committed | aborted)',
      labelNames: ['result'],
      registers: [this.registry],
    });
  }

  countOutcome(topic: string, outcome: Outcome, n = 1): void {
    this.events.inc({ topic, outcome }, n);
  }

  observeBatch(seconds: number, records: number): void {
    this.batchDuration.observe(seconds);
    this.batchSize.observe(records);
  }

  setStateKeys(n: number): void {
    this.stateKeys.set(n);
  }

  countTransaction(result: 'committed' | 'aborted'): void {
    this.transactions.inc({ result });
  }
}
