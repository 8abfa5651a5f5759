import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LATENESS_SPAN, OUTCOME_SPAN, querySpan } from '../rollup-span';

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
 * The lateness distribution's reads (migration 1764000000010): the lateness rollup (per minute and
 * folded per hour), the outcome rollup for the rates (per minute and per 15 minutes), and the size
 * of a dedup state row for the advice's cost. Range scans of primary keys that start with
 * (pipeline, time); never the audit.
 */
@Injectable()
export class LatenessRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /** The topic and partition conditions, numbered from $5 (see querySpan). */
  private where(f: LatenessFilter, withTopic: boolean): { sql: string; params: unknown[] } {
    const params: unknown[] = [];
    let sql = '';
    if (withTopic && f.topic !== undefined) {
      params.push(f.topic);
      sql += ` AND source_topic = $${4 + params.length}`;
    }
    if (f.partition !== undefined) {
      params.push(f.partition);
      sql += ` AND source_partition = $${4 + params.length}`;
    }
    return { sql, params };
  }

  async buckets(f: LatenessFilter): Promise<LatenessBucketRow[]> {
    const w = this.where(f, true);
    return querySpan(this.dataSource, LATENESS_SPAN, {
      pipeline: f.pipeline,
      fromMs: f.fromMs,
      columns: 'late, bucket, count',
      where: w.sql,
      params: w.params,
      outer: 'SELECT late, bucket, sum(count)::text AS n FROM rows GROUP BY 1, 2 ORDER BY 2, 1',
    });
  }

  async partitions(pipeline: string, fromMs: number): Promise<{ topic: string; partition: number }[]> {
    return querySpan(this.dataSource, LATENESS_SPAN, {
      pipeline,
      fromMs,
      columns: 'source_topic, source_partition',
      outer: 'SELECT DISTINCT source_topic AS topic, source_partition AS partition FROM rows ORDER BY 1, 2',
    });
  }

  /**
   * Outcome counts in the range (the outcome rollup knows the partition, not the topic: a pipeline
   * has one input topic, so a topic filter other than it finds nothing).
   */
  async outcomes(f: LatenessFilter): Promise<Map<string, number>> {
    const w = this.where(f, false);
    const rows = await querySpan<{ outcome: string; n: string }>(this.dataSource, OUTCOME_SPAN, {
      pipeline: f.pipeline,
      fromMs: f.fromMs,
      columns: 'outcome, count',
      where: w.sql,
      params: w.params,
      outer: 'SELECT outcome, sum(count)::text AS n FROM rows GROUP BY 1',
    });
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
