import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Backfills (docs/backfills.md) and the operator action log:
 * - backfill_job: one row per job; `status` is the operator's intent (running / paused) or the end
 *   (completed / cancelled / failed). Every processor instance of the pipeline runs the running jobs
 *   in the job's own consumer group, so the job survives restarts and spreads over instances.
 * - backfill_partition: the offset range [start_offset, end_offset) per source partition, fixed at
 *   creation. Progress is not stored here: it is the job namespace's partition_progress row, written
 *   in each batch's own transaction, so it can never run ahead of (or behind) what was decided.
 * - operator_action: every mutating control-plane call (who, what, on what, with which details).
 */
export class BackfillsAndActionLog1764000000005 implements MigrationInterface {
  name = 'BackfillsAndActionLog1764000000005';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE backfill_job (
        id                     bigserial   PRIMARY KEY,
        pipeline               text        NOT NULL,
        source_topic           text        NOT NULL,
        target_topic           text        NOT NULL,
        duplicates_topic       text        NOT NULL,
        late_topic             text        NOT NULL,
        range                  jsonb       NOT NULL,
        max_events_per_second  integer     NOT NULL CHECK (max_events_per_second > 0),
        status                 text        NOT NULL
          CHECK (status IN ('running', 'paused', 'completed', 'cancelled', 'failed')),
        error                  text,
        reason                 text,
        created_by             text,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        finished_at            timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_backfill_job_pipeline_status ON backfill_job (pipeline, status)`,
    );
    await queryRunner.query(`
      CREATE TABLE backfill_partition (
        job_id        bigint  NOT NULL REFERENCES backfill_job (id) ON DELETE CASCADE,
        partition     integer NOT NULL,
        start_offset  bigint  NOT NULL,
        end_offset    bigint  NOT NULL,
        CONSTRAINT pk_backfill_partition PRIMARY KEY (job_id, partition),
        CONSTRAINT ck_backfill_partition_range CHECK (0 <= start_offset AND start_offset <= end_offset)
      )`);
    await queryRunner.query(`
      CREATE TABLE operator_action (
        id          bigserial   PRIMARY KEY,
        pipeline    text        NOT NULL,
        at          timestamptz NOT NULL DEFAULT now(),
        actor       text,
        action      text        NOT NULL,
        target      text        NOT NULL,
        details     jsonb       NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_operator_action_pipeline_at ON operator_action (pipeline, at DESC)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE operator_action`);
    await queryRunner.query(`DROP TABLE backfill_partition`);
    await queryRunner.query(`DROP TABLE backfill_job`);
  }
}
