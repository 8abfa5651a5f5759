import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Injectable()
export class StateExpiryRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Deletes up to `limit` states whose scope no non-late record can reach any more:
   * `expires_at <= watermark - allowed_lateness` (the lowest watermark over the pipeline's input
   * topics). Bounded batches by ctid keep each statement short, so the hot path never waits long on
   * the rows' locks; the caller loops while full batches come back.
   */
  async deleteExpired(pipeline: string, allowedLatenessMs: number, limit: number): Promise<number> {
    const rows: { deleted: string }[] = await this.dataSource.query(
      `WITH horizon AS (
         SELECT min(watermark) - make_interval(secs => $2 / 1000.0) AS h FROM pipeline_watermark WHERE pipeline = $1
       ), doomed AS (
         SELECT c.ctid FROM dedup_claim c, horizon
          WHERE c.pipeline = $1 AND horizon.h IS NOT NULL AND c.expires_at <= horizon.h
          LIMIT $3
       ), gone AS (
         DELETE FROM dedup_claim WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
       )
       SELECT count(*)::text AS deleted FROM gone`,
      [pipeline, allowedLatenessMs, limit],
    );
    return Number(rows[0]?.deleted ?? 0);
  }

  async countStates(pipeline: string): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT count(*)::text AS n FROM dedup_claim WHERE pipeline = $1`,
      [pipeline],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
