import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { likeLiteral } from '../../adapters/postgres/like-literal';

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

  /**
   * The expiry horizon: the lowest pipeline watermark over the pipeline's input topics minus the
   * allowed lateness (epoch ms), or null before the first watermark. Never moves backwards.
   */
  async expiryHorizon(pipeline: string, allowedLatenessMs: number): Promise<number | null> {
    const rows: { h: string | null }[] = await this.dataSource.query(
      `SELECT ((extract(epoch FROM min(watermark)) * 1000)::bigint - $2)::text AS h
         FROM pipeline_watermark WHERE pipeline = $1`,
      [pipeline, allowedLatenessMs],
    );
    const h = rows[0]?.h ?? null;
    return h === null ? null : Number(h);
  }

  /**
   * Approximate mode: removes the blocks of generations up to `lastExpired` from up to `limit` Bloom
   * stripes (docs/adr/0005). The new value is computed from the row being updated (so a batch that
   * committed bits meanwhile is re-read, never overwritten), and rows a batch holds are skipped.
   * A stripe left without generations stays, empty: the row count is bounded by one filter's blocks.
   */
  async expireBloomGenerations(
    pipeline: string,
    layout: string,
    lastExpired: number,
    limit: number,
  ): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `WITH gone AS (
         UPDATE bloom_block b
            SET generations = ARRAY(SELECT u.g FROM unnest(b.generations) WITH ORDINALITY AS u(g, o)
                                     WHERE u.g > $3 ORDER BY u.o),
                bits = coalesce((SELECT string_agg(substring(b.bits FROM ((u.o - 1) * 64 + 1)::int FOR 64),
                                                   ''::bytea ORDER BY u.o)
                                   FROM unnest(b.generations) WITH ORDINALITY AS u(g, o) WHERE u.g > $3), ''::bytea)
          WHERE b.ctid IN (SELECT ctid FROM bloom_block
                            WHERE pipeline = $1 AND layout = $2 AND generations[1] <= $3
                            LIMIT $4
                            FOR UPDATE SKIP LOCKED)
            AND b.pipeline = $1 AND b.layout = $2 AND b.generations[1] <= $3
          RETURNING 1
       )
       SELECT count(*)::text AS n FROM gone`,
      [pipeline, layout, lastExpired, limit],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Deletes up to `limit` Bloom stripes of layouts other than `current` (null: exact mode, none is
   * current). They were written under another window, rate or target, or before approximate mode was
   * turned off, and no batch reads them again.
   */
  async deleteStaleBloomLayouts(pipeline: string, current: string | null, limit: number): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `WITH doomed AS (
         SELECT ctid FROM bloom_block
          WHERE pipeline = $1 AND layout IS DISTINCT FROM $2
          LIMIT $3
          FOR UPDATE SKIP LOCKED
       ), gone AS (
         DELETE FROM bloom_block WHERE ctid IN (SELECT ctid FROM doomed) RETURNING 1
       )
       SELECT count(*)::text AS n FROM gone`,
      [pipeline, current, limit],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Approximate mode: per generation, the sum over its blocks of `(set bits / 512)^hashes` (divide by
   * the layout's block count for the generation's estimated false-positive rate), and the bytes all
   * stripes of the layout hold.
   */
  async bloomSummary(
    pipeline: string,
    layout: string,
    hashes: number,
  ): Promise<{ generations: Map<number, number>; bytes: number }> {
    const perGeneration: { generation: string; fp_sum: number }[] = await this.dataSource.query(
      `SELECT u.g::text AS generation,
              sum(power(bit_count(substring(b.bits FROM ((u.o - 1) * 64 + 1)::int FOR 64))::float8 / 512, $3))::float8
                AS fp_sum
         FROM bloom_block b CROSS JOIN LATERAL unnest(b.generations) WITH ORDINALITY AS u(g, o)
        WHERE b.pipeline = $1 AND b.layout = $2
        GROUP BY u.g`,
      [pipeline, layout, hashes],
    );
    const bytes: { n: string }[] = await this.dataSource.query(
      `SELECT coalesce(sum(octet_length(bits)), 0)::text AS n FROM bloom_block WHERE pipeline = $1 AND layout = $2`,
      [pipeline, layout],
    );
    return {
      generations: new Map(perGeneration.map((r) => [Number(r.generation), r.fp_sum])),
      bytes: Number(bytes[0]?.n ?? 0),
    };
  }

  /**
   * The audit's day partitions (migration 1764000000010): drops those wholly older than
   * `retentionDays`. Returns the dropped partitions' names.
   */
  async maintainAudit(retentionDays: number): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT dedup_audit_maintain AS name FROM dedup_audit_maintain($1, 0)`,
      [retentionDays],
    );
    return rows.map((r) => r.name);
  }

  /**
   * The audit's day partitions from yesterday to a week ahead (in their own transaction, apart from
   * the drops): a day whose rows the default partition took while it had none moves them in.
   */
  async ensureAuditPartitions(): Promise<void> {
    await this.dataSource.query(
      `SELECT dedup_audit_ensure_partition((now() AT TIME ZONE 'UTC')::date + d) FROM generate_series(-1, 7) AS d`,
    );
  }

  /**
   * Folds the per-minute rollups into their 15-minute and hourly tables, and bounds the console's
   * rollups: the 10-s outcome counts are read for the last 15 minutes only and
   * kept an hour; the lateness, health and watermark rows are read for up to 7 days and kept 8. The per-minute
   * outcome counts (a few rows per minute) are kept with the audit.
   */
  async pruneRollups(pipeline: string, auditRetentionDays: number): Promise<void> {
    // Fold what is complete into the coarse tables first (migration 1764000000010).
    await this.dataSource.query('SELECT dedup_rollups_compact($1)', [pipeline]);
    // The live pipeline's rows and its backfills' namespaces (`<pipeline>.backfill.<id>`), which
    // write rollups nobody folds.
    const mine = `(pipeline = $1 OR pipeline LIKE $3)`;
    await this.dataSource.query(
      `WITH a AS (DELETE FROM outcome_rollup_10s WHERE ${mine} AND bucket < now() - interval '1 hour'),
            b AS (DELETE FROM lateness_rollup WHERE ${mine} AND minute < now() - interval '8 days'),
            c AS (DELETE FROM health_minute WHERE ${mine} AND minute < now() - interval '8 days'),
            d AS (DELETE FROM watermark_minute WHERE ${mine} AND minute < now() - interval '8 days'),
            e AS (DELETE FROM lateness_rollup_hour WHERE ${mine} AND hour < now() - interval '8 days'),
            g AS (DELETE FROM watermark_minute_15m WHERE ${mine} AND bucket < now() - interval '8 days'),
            f AS (DELETE FROM outcome_rollup_15m
                   WHERE ${mine} AND bucket < now() - make_interval(days => greatest($2::int, 8)))
       DELETE FROM outcome_rollup WHERE ${mine} AND minute < now() - make_interval(days => greatest($2::int, 8))`,
      [pipeline, auditRetentionDays, `${likeLiteral(pipeline)}.backfill.%`],
    );
  }

  /** Folds the DLQ statistics' deltas into their tables (dlq_stats_compact, migration 1764000000009). */
  async compactDlqStats(): Promise<void> {
    await this.dataSource.query('SELECT dlq_stats_compact()');
  }

  /** Open DLQ records and the age of the oldest, by error type, for the DLQ gauges. */
  async dlqSummary(pipeline: string): Promise<Map<string, { open: number; oldestAgeSeconds: number }>> {
    const rows: { error_type: string; open: string; oldest: string | null }[] = await this.dataSource.query(
      // Counts from the group statistics; the oldest of each type by index (never a count of rows).
      `SELECT t.error_type, t.open::text,
              extract(epoch FROM now() - (SELECT d.first_failure_at FROM dlq_record d
                                            WHERE d.pipeline = $1 AND d.status = 'open' AND d.error_type = t.error_type
                                            ORDER BY d.first_failure_at LIMIT 1))::text AS oldest
         FROM (SELECT error_type, sum(n) AS open FROM dlq_group_counts
                WHERE pipeline = $1 AND status = 'open' GROUP BY error_type HAVING sum(n) > 0) t`,
      [pipeline],
    );
    return new Map(
      rows.map((r) => [r.error_type, { open: Number(r.open), oldestAgeSeconds: Number(r.oldest ?? 0) }]),
    );
  }

  async countStates(pipeline: string): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(
      `SELECT count(*)::text AS n FROM dedup_claim WHERE pipeline = $1`,
      [pipeline],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
