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
         -- Rows a batch holds are skipped (never waited on: no deadlock with key-ordered batches),
         -- and the expiry is checked again on the row version being deleted.
         SELECT c.ctid FROM dedup_claim c, horizon
          WHERE c.pipeline = $1 AND horizon.h IS NOT NULL AND c.expires_at <= horizon.h
          LIMIT $3
          FOR UPDATE OF c SKIP LOCKED
       ), gone AS (
         DELETE FROM dedup_claim d USING horizon
          WHERE d.ctid IN (SELECT ctid FROM doomed) AND d.pipeline = $1 AND d.expires_at <= horizon.h
          RETURNING 1
       )
       SELECT count(*)::text AS deleted FROM gone`,
      [pipeline, allowedLatenessMs, limit],
    );
    return Number(rows[0]?.deleted ?? 0);
  }

  /** Open DLQ records and the age of the oldest, for the DLQ gauges. */
  async dlqSummary(pipeline: string): Promise<{ open: number; oldestAgeSeconds: number }> {
    const rows: { open: string; oldest: string | null }[] = await this.dataSource.query(
      `SELECT count(*)::text AS open, extract(epoch FROM now() - min(first_failure_at))::text AS oldest
         FROM dlq_record WHERE pipeline = $1 AND status = 'open'`,
      [pipeline],
    );
    return { open: Number(rows[0]?.open ?? 0), oldestAgeSeconds: Number(rows[0]?.oldest ?? 0) };
  }

  async countStates(pipeline: string): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT count(*)::text AS n FROM dedup_claim WHERE pipeline = $1`,
      [pipeline],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
