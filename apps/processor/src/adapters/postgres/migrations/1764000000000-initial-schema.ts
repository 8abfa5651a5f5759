import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The walking-skeleton schema: dedup claims (the arbiter), one audit row per input record, DLQ
 * records, and per-minute outcome rollups that feed the console without scanning audit rows.
 * Constraint and index names are explicit so later migrations can refer to them.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dedup_claim (
        pipeline          text        NOT NULL,
        dedup_key         text        NOT NULL,
        event_id          text        NOT NULL,
        origin_topic      text        NOT NULL,
        origin_partition  integer     NOT NULL,
        origin_offset     bigint      NOT NULL,
        event_time        timestamptz NOT NULL,
        first_seen_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_dedup_claim PRIMARY KEY (pipeline, dedup_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE event_audit (
        id                bigint      GENERATED ALWAYS AS IDENTITY,
        pipeline          text        NOT NULL,
        source_topic      text        NOT NULL,
        source_partition  integer     NOT NULL,
        source_offset     bigint      NOT NULL,
        event_id          text,
        dedup_key         text,
        outcome           text        NOT NULL,
        reason            text,
        error_type        text,
        first_topic       text,
        first_partition   integer,
        first_offset      bigint,
        first_seen_at     timestamptz,
        event_time        timestamptz,
        processed_at      timestamptz NOT NULL DEFAULT now(),
        trace_id          text,
        pipeline_version  text        NOT NULL,
        CONSTRAINT pk_event_audit PRIMARY KEY (id),
        CONSTRAINT uq_event_audit_coordinates UNIQUE (pipeline, source_topic, source_partition, source_offset),
        CONSTRAINT ck_event_audit_outcome CHECK (outcome IN ('unique', 'duplicate', 'late', 'invalid', 'failed'))
      )`);
    await queryRunner.query(`CREATE INDEX ix_event_audit_event_id ON event_audit (event_id)`);
    await queryRunner.query(`CREATE INDEX ix_event_audit_processed_at ON event_audit (processed_at)`);
    await queryRunner.query(`
      CREATE TABLE dlq_record (
        id                bigint      GENERATED ALWAYS AS IDENTITY,
        pipeline          text        NOT NULL,
        source_topic      text        NOT NULL,
        source_partition  integer     NOT NULL,
        source_offset     bigint      NOT NULL,
        original_key      bytea,
        original_value    bytea,
        original_headers  jsonb       NOT NULL DEFAULT '{}'::jsonb,
        error_type        text        NOT NULL,
        error_message     text        NOT NULL,
        attempts          integer     NOT NULL DEFAULT 1,
        first_failure_at  timestamptz NOT NULL DEFAULT now(),
        last_failure_at   timestamptz NOT NULL DEFAULT now(),
        pipeline_version  text        NOT NULL,
        status            text        NOT NULL DEFAULT 'open',
        trace_id          text,
        CONSTRAINT pk_dlq_record PRIMARY KEY (id),
        CONSTRAINT uq_dlq_record_coordinates UNIQUE (pipeline, source_topic, source_partition, source_offset),
        CONSTRAINT ck_dlq_record_status CHECK (status IN ('open', 'replayed', 'discarded', 'resolved'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_dlq_record_open ON dlq_record (pipeline, first_failure_at) WHERE status = 'open'`,
    );
    await queryRunner.query(`
      CREATE TABLE outcome_rollup (
        pipeline          text        NOT NULL,
        minute            timestamptz NOT NULL,
        source_partition  integer     NOT NULL,
        outcome           text        NOT NULL,
        count             bigint      NOT NULL,
        CONSTRAINT pk_outcome_rollup PRIMARY KEY (pipeline, minute, source_partition, outcome)
      )`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE outcome_rollup`);
    await queryRunner.query(`DROP TABLE dlq_record`);
    await queryRunner.query(`DROP TABLE event_audit`);
    await queryRunner.query(`DROP TABLE dedup_claim`);
  }
}
