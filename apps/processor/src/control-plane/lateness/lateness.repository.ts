import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface LatenessFilter {
  readonly pipeline: string;
  readonly fromMs: number;
  readonly topic?: string;
  readonly partition?: number;
}

export interface LatenessBucketRow {
  readonly late: boolean;
  readonly bucket: number;
  readonly n: string;
}

/**
 * The lateness distribution's reads (migration 1764000000010): the lateness rollup, the outcome
 * rollup for the rates, and the size of a dedup state row for the advice's cost. Range scans of
 * primary keys that start with (pipeline, minute); never the audit.
 */
@Injectable()
export class LatenessRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  private where(f: LatenessFilter, first: number): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    let sql = '';
    if (f.topic !== undefined) {
      params.push(f.topic);
      sql += ` AND source_topic = $${first + params.length - 1}`;
    }
    if (f.partition !== undefined) {
      params.push(f.partition);
      sql += ` AND source_partition = $${first + params.length - 1}`;
    }
    return { sql, params };
  }

  async buckets(f: LatenessFilter): Promise<LatenessBucketRow[]> {
    const w = this.where(f, 3);
    return this.dataSource.query(
      `SELECT late, bucket, sum(count)::text AS n FROM lateness_rollup
        WHERE pipeline = $1 AND minute >= to_timestamp($2 / 1000.0)${w.sql}
        GROUP BY 1, 2 ORDER BY 2, 1`,
      [f.pipeline, f.fromMs, ...w.params],
    );
  }

  async partitions(pipeline: string, fromMs: number): Promise<{ topic: string; partition: number }[]> {
    return this.dataSource.query(
      `SELECT DISTINCT source_topic AS topic, source_partition AS partition FROM lateness_rollup
        WHERE pipeline = $1 AND minute >= to_timestamp($2 / 1000.0) ORDER BY 1, 2`,
      [pipeline, fromMs],
    );
  }

  /**
   * Outcome counts in the range (the outcome rollup knows the partition, not the topic: a pipeline
   * has one input topic, so a topic filter other than it finds nothing).
   */
  async outcomes(f: LatenessFilter): Promise<Map<string, number>> {
    const params: unknown[] = [f.pipeline, f.fromMs];
    let sql = '';
    if (f.partition !== undefined) {
      params.push(f.partition);
      sql = ' AND source_partition = $3';
    }
    const rows: { outcome: string; n: string }[] = await this.dataSource.query(
      `SELECT outcome, sum(count)::text AS n FROM outcome_rollup
        WHERE pipeline = $1 AND minute >= to_timestamp($2 / 1000.0)${sql} GROUP BY 1`,
      params,
    );
    return new Map(rows.map((r) => [r.outcome, Number(r.n)]));
  }

  /**
   * Bytes per dedup state row, indexes included: the table's size over its estimated row count
   * (the planner's, or a bounded count before the first ANALYZE); null while it is empty.
   */
  async bytesPerStateRow(): Promise<number | null> {
    const rows: { bytes: string | null }[] = await this.dataSource.query(
      `WITH est AS (
         SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples
                     ELSE (SELECT count(*) FROM (SELECT 1 FROM dedup_claim LIMIT 100000) s) END AS n
           FROM pg_class c WHERE c.oid = 'dedup_claim'::regclass
       )
       SELECT CASE WHEN n > 0 THEN round(pg_total_relation_size('dedup_claim') / n)::text END AS bytes FROM est`,
    );
    const bytes = rows[0]?.bytes ?? null;
    return bytes === null ? null : Number(bytes);
  }
}
