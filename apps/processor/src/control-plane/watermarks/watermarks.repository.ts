import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WATERMARK_SPAN, querySpan } from '../rollup-span';
import type { TimeWindow } from '../time-window';

/** One input partition as the batch transactions left it: its watermark row and its progress row. */
export interface StoredPartition {
  readonly partition: number;
  /** Epoch ms; null when the partition has progress but no watermark row. */
  readonly maxEventTime: number | null;
  /** Epoch ms of the last batch that observed one of its records. */
  readonly lastActivityAt: number | null;
  /** The highest offset with a recorded decision, as text (64-bit). */
  readonly lastOffset: string | null;
}

export interface StoredWatermarks {
  readonly partitions: readonly StoredPartition[];
  /** The pipeline watermark (epoch ms): the greatest any partition's last batch computed. */
  readonly pipelineWatermark: number | null;
}

/**
 * Reads of the watermark and progress rows the data plane's batch transaction writes
 * (dedup.repository.ts saveWatermarks and the progress upsert). Read-only: the page changes nothing.
 */
@Injectable()
export class WatermarksRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Both tables keyed by (pipeline, topic, partition): a full outer join, so a partition with
   * decisions but no observed record (only invalid or late ones) is listed too. Times as epoch ms
   * text, the way loadWatermarks reads them, so the page and the engine agree to the millisecond.
   */
  async load(pipeline: string, topic: string): Promise<StoredWatermarks> {
    const rows: {
      partition: number;
      max_ms: string | null;
      activity_ms: string | null;
      last_offset: string | null;
      pipeline_ms: string | null;
    }[] = await this.dataSource.query(
      `SELECT coalesce(w.partition, p.partition) AS partition,
              (extract(epoch FROM w.max_event_time) * 1000)::bigint::text AS max_ms,
              (extract(epoch FROM w.last_activity_at) * 1000)::bigint::text AS activity_ms,
              p.last_offset::text AS last_offset,
              (extract(epoch FROM w.pipeline_watermark) * 1000)::bigint::text AS pipeline_ms
         FROM (SELECT * FROM partition_watermark WHERE pipeline = $1 AND topic = $2) w
         FULL OUTER JOIN (SELECT * FROM partition_progress WHERE pipeline = $1 AND topic = $2) p
           ON p.partition = w.partition
        ORDER BY 1`,
      [pipeline, topic],
    );
    const ms = (text: string | null) => (text === null ? null : Number(text));
    let pipelineWatermark: number | null = null;
    for (const row of rows) {
      const own = ms(row.pipeline_ms);
      if (own !== null) pipelineWatermark = Math.max(pipelineWatermark ?? own, own);
    }
    return {
      partitions: rows.map((r) => ({
        partition: r.partition,
        maxEventTime: ms(r.max_ms),
        lastActivityAt: ms(r.activity_ms),
        lastOffset: r.last_offset,
      })),
      pipelineWatermark,
    };
  }

  /**
   * Watermark lag per step and partition: the largest of the step's per-minute samples (the sample
   * time minus the partition's watermark, its newest event time − maxOutOfOrdernessMs).
   */
  async lagPerStep(
    pipeline: string,
    topic: string,
    window: TimeWindow,
    maxOutOfOrdernessMs: number,
  ): Promise<{ step_ms: string; partition: number; lag_ms: number }[]> {
    const perStep = (step: string, ooo: string) =>
      `SELECT (extract(epoch FROM s) * 1000)::bigint::text AS step_ms, partition, lag_ms
         FROM (SELECT date_bin(make_interval(secs => ${step} / 1000.0), t, timestamptz 'epoch') AS s, partition,
                      max(extract(epoch FROM sampled_at - max_event_time) * 1000 + ${ooo})::float8 AS lag_ms
                 FROM rows GROUP BY 1, 2) x`;
    // Whole 15-minute steps read the folded rows (each the 15 minutes' largest lag), like the outcomes.
    if (window.stepMs % WATERMARK_SPAN.grainMs === 0) {
      return querySpan(this.dataSource, WATERMARK_SPAN, {
        pipeline,
        fromMs: window.fromMs,
        columns: 'partition, sampled_at, max_event_time',
        where: 'AND topic = $5',
        params: [topic],
        outer: perStep('$6', '$7'),
        outerParams: [window.stepMs, maxOutOfOrdernessMs],
      });
    }
    return this.dataSource.query(
      `WITH rows AS (SELECT minute AS t, partition, sampled_at, max_event_time FROM watermark_minute
                      WHERE pipeline = $1 AND topic = $2 AND minute >= to_timestamp($3 / 1000.0))
       ${perStep('$4', '$5')}`,
      [pipeline, topic, window.fromMs, window.stepMs, maxOutOfOrdernessMs],
    );
  }
}
