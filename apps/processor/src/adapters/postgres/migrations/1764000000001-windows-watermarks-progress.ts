import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event-time windows, watermarks and replay (issue 3):
 * - dedup_claim becomes one row per *state key* with its window expiry (event time), the strategy
 *   that produced it and the first occurrence's event time; expired rows are deleted in batches by
 *   the expiry index.
 * - partition_watermark: per input partition, the max event time and last activity, shared by every
 *   processor instance of a pipeline; the pipeline watermark (monotonic) lives in pipeline_watermark.
 * - partition_progress: the highest offset per input partition with a recorded decision, so a
 *   re-delivered batch re-emits recorded decisions instead of deciding afresh.
 * - event_audit gains the watermark at decision, the lateness and the matched strategy.
 */
export class WindowsWatermarksProgress1764000000001 implements MigrationInterface {
  name = 'WindowsWatermarksProgress1764000000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE dedup_claim ADD COLUMN strategy text NOT NULL DEFAULT 'event_id'`);
    await queryRunner.query(`ALTER TABLE dedup_claim RENAME COLUMN event_time TO first_event_time`);
    await queryRunner.query(
      `ALTER TABLE dedup_claim ADD COLUMN expires_at timestamptz NOT NULL DEFAULT 'infinity'::timestamptz`,
    );
    // Claims from before windows existed expire one default window (1 h) after their event time.
    await queryRunner.query(`UPDATE dedup_claim SET expires_at = first_event_time + interval '1 hour'`);
    await queryRunner.query(`ALTER TABLE dedup_claim ALTER COLUMN expires_at DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE dedup_claim ALTER COLUMN strategy DROP DEFAULT`);
    await queryRunner.query(`CREATE INDEX ix_dedup_claim_expiry ON dedup_claim (pipeline, expires_at)`);
    await queryRunner.query(`
      CREATE TABLE partition_watermark (
        pipeline          text        NOT NULL,
        topic             text        NOT NULL,
        partition         integer     NOT NULL,
        max_event_time    timestamptz NOT NULL,
        last_activity_at  timestamptz NOT NULL,
        CONSTRAINT pk_partition_watermark PRIMARY KEY (pipeline, topic, partition)
      )`);
    await queryRunner.query(`
      CREATE TABLE pipeline_watermark (
        pipeline          text        NOT NULL,
        topic             text        NOT NULL,
        watermark         timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_pipeline_watermark PRIMARY KEY (pipeline, topic)
      )`);
    await queryRunner.query(`
      CREATE TABLE partition_progress (
        pipeline          text        NOT NULL,
        topic             text        NOT NULL,
        partition         integer     NOT NULL,
        last_offset       bigint      NOT NULL,
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_partition_progress PRIMARY KEY (pipeline, topic, partition)
      )`);
    await queryRunner.query(`ALTER TABLE event_audit ADD COLUMN watermark timestamptz`);
    await queryRunner.query(`ALTER TABLE event_audit ADD COLUMN lateness_ms bigint`);
    await queryRunner.query(`ALTER TABLE event_audit ADD COLUMN matched_strategy text`);
    await queryRunner.query(`ALTER TABLE event_audit ADD COLUMN dedup_keys text[]`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE event_audit DROP COLUMN dedup_keys`);
    await queryRunner.query(`ALTER TABLE event_audit DROP COLUMN matched_strategy`);
    await queryRunner.query(`ALTER TABLE event_audit DROP COLUMN lateness_ms`);
    await queryRunner.query(`ALTER TABLE event_audit DROP COLUMN watermark`);
    await queryRunner.query(`DROP TABLE partition_progress`);
    await queryRunner.query(`DROP TABLE pipeline_watermark`);
    await queryRunner.query(`DROP TABLE partition_watermark`);
    await queryRunner.query(`DROP INDEX ix_dedup_claim_expiry`);
    await queryRunner.query(`ALTER TABLE dedup_claim DROP COLUMN expires_at`);
    await queryRunner.query(`ALTER TABLE dedup_claim RENAME COLUMN first_event_time TO event_time`);
    await queryRunner.query(`ALTER TABLE dedup_claim DROP COLUMN strategy`);
  }
}
