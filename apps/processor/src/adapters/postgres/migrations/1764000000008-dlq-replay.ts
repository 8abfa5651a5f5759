import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DLQ replay (issue 14; docs/adr/0009, docs/dlq.md):
 * - dlq_replay_run: a replay, from its preview (the exact set, bound by a random token) to its end:
 *   who previewed and started it, why, its scope in words, the rate cap, and its status.
 * - dlq_replay_item: the run's DLQ records in publication order; when each was published, and the
 *   outcome and coordinates of the first decision of it (the summary by outcome, and lineage).
 * - dlq_record.last_replay_run: the run that last decided it.
 */
export class DlqReplay1764000000008 implements MigrationInterface {
  name = 'DlqReplay1764000000008';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dlq_replay_run (
        id              bigint      GENERATED ALWAYS AS IDENTITY,
        pipeline        text        NOT NULL,
        status          text        NOT NULL,
        token           text        NOT NULL,
        scope           text        NOT NULL,
        selection       jsonb       NOT NULL,
        total           integer     NOT NULL,
        max_per_second  integer     NOT NULL,
        reason          text,
        created_by      text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        expires_at      timestamptz NOT NULL,
        started_by      text,
        started_at      timestamptz,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz,
        CONSTRAINT pk_dlq_replay_run PRIMARY KEY (id),
        CONSTRAINT uq_dlq_replay_run_token UNIQUE (token),
        CONSTRAINT ck_dlq_replay_run_status
          CHECK (status IN ('preview', 'running', 'paused', 'completed', 'cancelled'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_dlq_replay_run_pipeline ON dlq_replay_run (pipeline, status, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE dlq_replay_item (
        run_id             bigint      NOT NULL,
        dlq_id             bigint      NOT NULL,
        seq                integer     NOT NULL,
        published_at       timestamptz,
        outcome            text,
        decided_at         timestamptz,
        decided_topic      text,
        decided_partition  integer,
        decided_offset     bigint,
        CONSTRAINT pk_dlq_replay_item PRIMARY KEY (run_id, dlq_id),
        CONSTRAINT fk_dlq_replay_item_run FOREIGN KEY (run_id) REFERENCES dlq_replay_run (id) ON DELETE CASCADE,
        CONSTRAINT fk_dlq_replay_item_dlq FOREIGN KEY (dlq_id) REFERENCES dlq_record (id) ON DELETE CASCADE,
        CONSTRAINT ck_dlq_replay_item_outcome
          CHECK (outcome IN ('unique', 'duplicate', 'late', 'invalid', 'failed'))
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_dlq_replay_item_next ON dlq_replay_item (run_id, seq) WHERE published_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX ix_dlq_replay_item_dlq ON dlq_replay_item (dlq_id)`);
    await queryRunner.query(`ALTER TABLE dlq_record ADD COLUMN last_replay_run bigint`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE dlq_record DROP COLUMN last_replay_run`);
    await queryRunner.query(`UPDATE dlq_record SET status = 'open' WHERE status = 'replaying'`);
    await queryRunner.query(`DROP TABLE dlq_replay_item`);
    await queryRunner.query(`DROP TABLE dlq_replay_run`);
  }
}
