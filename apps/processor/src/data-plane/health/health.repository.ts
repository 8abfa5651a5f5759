import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { HealthCounters, HealthGauges } from './health-sample';

/**
 * Writes one instance's health samples into its per-minute row (migration 1764000000010): counters
 * add up over the minute's samples, gauges keep the latest sample, the latency buckets add up
 * element by element. Times are the database's (one clock for every instance and the readers).
 */
@Injectable()
export class HealthRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async write(
    pipeline: string,
    instance: string,
    counters: HealthCounters,
    gauges: HealthGauges,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO health_minute AS h (pipeline, minute, instance, tx_committed, tx_aborted, fenced, rebalances,
                                       latency_counts, consumer_lag, dlq_open, dlq_oldest_age_s, sampled_at)
       VALUES ($1, date_trunc('minute', now()), $2, $3, $4, $5, $6, $7::bigint[], $8, $9, $10, now())
       ON CONFLICT ON CONSTRAINT pk_health_minute DO UPDATE SET
         tx_committed = h.tx_committed + EXCLUDED.tx_committed,
         tx_aborted = h.tx_aborted + EXCLUDED.tx_aborted,
         fenced = h.fenced + EXCLUDED.fenced,
         rebalances = h.rebalances + EXCLUDED.rebalances,
         latency_counts = ARRAY(
           SELECT coalesce(a, 0) + coalesce(b, 0)
             FROM unnest(h.latency_counts, EXCLUDED.latency_counts) WITH ORDINALITY AS u(a, b, i) ORDER BY i),
         consumer_lag = coalesce(EXCLUDED.consumer_lag, h.consumer_lag),
         dlq_open = coalesce(EXCLUDED.dlq_open, h.dlq_open),
         dlq_oldest_age_s = coalesce(EXCLUDED.dlq_oldest_age_s, h.dlq_oldest_age_s),
         sampled_at = greatest(h.sampled_at, EXCLUDED.sampled_at)`,
      [
        pipeline,
        instance,
        counters.txCommitted,
        counters.txAborted,
        counters.fenced,
        counters.rebalances,
        counters.latency,
        gauges.consumerLag,
        gauges.dlqOpen,
        gauges.dlqOldestAgeSeconds,
      ],
    );
  }

  /**
   * The input partitions' newest event times as stored by the batch transactions, into this
   * minute's rows (every instance writes the same rows: the last sample of the minute stands).
   */
  async sampleWatermarks(pipeline: string, topic: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO watermark_minute (pipeline, minute, topic, partition, max_event_time, sampled_at)
       SELECT pipeline, date_trunc('minute', now()), topic, partition, max_event_time, now()
         FROM partition_watermark WHERE pipeline = $1 AND topic = $2
       ON CONFLICT ON CONSTRAINT pk_watermark_minute DO UPDATE
         SET max_event_time = EXCLUDED.max_event_time, sampled_at = EXCLUDED.sampled_at`,
      [pipeline, topic],
    );
  }
}
