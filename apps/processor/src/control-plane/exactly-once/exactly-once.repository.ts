import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TimeWindow } from '../time-window';

export interface TransactionStepRow {
  readonly step_ms: string;
  readonly committed: string;
  readonly aborted: string;
  readonly fenced: string;
  readonly rebalances: string;
}

/** Exactly-once health's reads: the instances' health rows, and each input partition's durable progress. */
@Injectable()
export class ExactlyOnceRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** Transactions, fencing and rebalances per step (of at least a minute), summed over instances. */
  async perStep(pipeline: string, window: TimeWindow): Promise<TransactionStepRow[]> {
    return this.dataSource.query(
      `SELECT (extract(epoch FROM date_bin(make_interval(secs => $3 / 1000.0), minute, timestamptz 'epoch')) * 1000)::bigint::text AS step_ms,
              sum(tx_committed)::text AS committed, sum(tx_aborted)::text AS aborted,
              sum(fenced)::text AS fenced, sum(rebalances)::text AS rebalances
         FROM health_minute
        WHERE pipeline = $1 AND minute >= to_timestamp($2 / 1000.0)
        GROUP BY 1`,
      [pipeline, window.fromMs, window.stepMs],
    );
  }

  /** When each input partition's last batch committed (its progress row moves with every batch). */
  async lastCommits(pipeline: string, topic: string): Promise<{ partition: number; updated_at: Date }[]> {
    return this.dataSource.query(
      `SELECT partition, updated_at FROM partition_progress WHERE pipeline = $1 AND topic = $2 ORDER BY partition`,
      [pipeline, topic],
    );
  }
}
