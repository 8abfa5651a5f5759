import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DLQ triage at scale (issue 14: groups and lists in < 100 ms with a million DLQ rows; docs/dlq.md):
 * - dlq_group_stat: records per (pipeline, fingerprint, status, source topic), kept exact by
 *   statement-level triggers on dlq_record (set-based, from the transition tables), so the groups
 *   and the totals never count the table.
 * - dlq_failure_hourly: failures per (pipeline, fingerprint, hour), counted when a record is
 *   inserted or fails again (last_failure_at moves): the groups' 24 h sparklines.
 * - The triggers only append to dlq_group_delta and dlq_failure_delta (no update, no row lock: the
 *   batch transactions of every partition write DLQ rows of one cause at once, during a poison storm
 *   or a replay, and an upsert of one hot row would make them wait for each other: measured, a
 *   replay at 500/s beside 2k/s of live traffic). dlq_stats_compact() folds the deltas in; the
 *   housekeeping sweep calls it. The views dlq_group_counts and dlq_failure_counts are what is read.
 * - indexes for the lists' keyset pages with and without a status or a fingerprint, and for the
 *   oldest record per status and error type (the console's summary and the DLQ gauges).
 * - where the pg_trgm extension is available (a trusted extension since PostgreSQL 13; contrib), a
 *   trigram index on the first 2 kB of each value, so "value contains" is an index search.
 * Existing rows are counted once here.
 */
export class DlqGroupStats1764000000009 implements MigrationInterface {
  name = 'DlqGroupStats1764000000009';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dlq_group_stat (
        pipeline      text    NOT NULL,
        fingerprint   text    NOT NULL,
        status        text    NOT NULL,
        source_topic  text    NOT NULL,
        error_type    text    NOT NULL,
        cause         text    NOT NULL,
        n             bigint  NOT NULL,
        CONSTRAINT pk_dlq_group_stat PRIMARY KEY (pipeline, status, fingerprint, source_topic)
      )`);
    await queryRunner.query(`
      CREATE TABLE dlq_failure_hourly (
        pipeline     text        NOT NULL,
        fingerprint  text        NOT NULL,
        hour         timestamptz NOT NULL,
        n            bigint      NOT NULL,
        CONSTRAINT pk_dlq_failure_hourly PRIMARY KEY (pipeline, fingerprint, hour)
      )`);
    await queryRunner.query(`
      CREATE TABLE dlq_group_delta (
        pipeline      text    NOT NULL,
        status        text    NOT NULL,
        fingerprint   text    NOT NULL,
        source_topic  text    NOT NULL,
        error_type    text    NOT NULL,
        cause         text    NOT NULL,
        n             bigint  NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE dlq_failure_delta (
        pipeline     text        NOT NULL,
        fingerprint  text        NOT NULL,
        hour         timestamptz NOT NULL,
        n            bigint      NOT NULL
      )`);
    await queryRunner.query(`
      CREATE FUNCTION dlq_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Append-only: the net change per group of this statement (a row that moves within a group
        -- costs nothing); compacted later by dlq_stats_compact().
        IF TG_OP = 'INSERT' THEN
          INSERT INTO dlq_group_delta (pipeline, status, fingerprint, source_topic, error_type, cause, n)
          SELECT pipeline, status, fingerprint, source_topic, min(error_type), min(cause), count(*)
            FROM new_rows GROUP BY 1, 2, 3, 4;
          INSERT INTO dlq_failure_delta (pipeline, fingerprint, hour, n)
          SELECT pipeline, fingerprint, date_trunc('hour', last_failure_at), count(*) FROM new_rows GROUP BY 1, 2, 3;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO dlq_group_delta (pipeline, status, fingerprint, source_topic, error_type, cause, n)
          SELECT pipeline, status, fingerprint, source_topic, min(error_type), min(cause), -count(*)
            FROM old_rows GROUP BY 1, 2, 3, 4;
        ELSE
          INSERT INTO dlq_group_delta (pipeline, status, fingerprint, source_topic, error_type, cause, n)
          SELECT pipeline, status, fingerprint, source_topic, min(error_type), min(cause), sum(delta)
            FROM (SELECT pipeline, status, fingerprint, source_topic, error_type, cause, 1 AS delta FROM new_rows
                  UNION ALL
                  SELECT pipeline, status, fingerprint, source_topic, error_type, cause, -1 FROM old_rows) c
           GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0;
          -- A record that failed again (its last failure moved) is one more failure of its cause.
          INSERT INTO dlq_failure_delta (pipeline, fingerprint, hour, n)
          SELECT nr.pipeline, nr.fingerprint, date_trunc('hour', nr.last_failure_at), count(*)
            FROM new_rows nr JOIN old_rows o ON o.id = nr.id
           WHERE nr.last_failure_at > o.last_failure_at GROUP BY 1, 2, 3;
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION dlq_stats_compact() RETURNS void LANGUAGE sql AS $$
        -- Rows of transactions still open are not seen, so stay for the next call; two calls at once
        -- delete disjoint rows (the second waits on the first's row locks, then skips what it took).
        WITH d AS (DELETE FROM dlq_group_delta RETURNING *)
        INSERT INTO dlq_group_stat (pipeline, status, fingerprint, source_topic, error_type, cause, n)
        SELECT pipeline, status, fingerprint, source_topic, min(error_type), min(cause), sum(n)
          FROM d GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT pk_dlq_group_stat DO UPDATE SET n = dlq_group_stat.n + EXCLUDED.n;
        WITH d AS (DELETE FROM dlq_failure_delta RETURNING *)
        INSERT INTO dlq_failure_hourly (pipeline, fingerprint, hour, n)
        SELECT pipeline, fingerprint, hour, sum(n) FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT pk_dlq_failure_hourly DO UPDATE SET n = dlq_failure_hourly.n + EXCLUDED.n;
        DELETE FROM dlq_failure_hourly WHERE hour < now() - interval '2 days';
      $$`);
    await queryRunner.query(`
      CREATE VIEW dlq_group_counts AS
      SELECT pipeline, status, fingerprint, source_topic, min(error_type) AS error_type, min(cause) AS cause,
             sum(n) AS n
        FROM (SELECT pipeline, status, fingerprint, source_topic, error_type, cause, n FROM dlq_group_stat
              UNION ALL
              SELECT pipeline, status, fingerprint, source_topic, error_type, cause, n FROM dlq_group_delta) u
       GROUP BY pipeline, status, fingerprint, source_topic`);
    await queryRunner.query(`
      CREATE VIEW dlq_failure_counts AS
      SELECT pipeline, fingerprint, hour, sum(n) AS n
        FROM (SELECT pipeline, fingerprint, hour, n FROM dlq_failure_hourly
              UNION ALL
              SELECT pipeline, fingerprint, hour, n FROM dlq_failure_delta) u
       GROUP BY pipeline, fingerprint, hour`);
    await queryRunner.query(`
      CREATE TRIGGER tr_dlq_stats_insert AFTER INSERT ON dlq_record
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dlq_stats_apply()`);
    await queryRunner.query(`
      CREATE TRIGGER tr_dlq_stats_update AFTER UPDATE ON dlq_record
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dlq_stats_apply()`);
    await queryRunner.query(`
      CREATE TRIGGER tr_dlq_stats_delete AFTER DELETE ON dlq_record
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dlq_stats_apply()`);
    await queryRunner.query(`
      CREATE FUNCTION dlq_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM dlq_group_stat;
        DELETE FROM dlq_group_delta;
        DELETE FROM dlq_failure_hourly;
        DELETE FROM dlq_failure_delta;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER tr_dlq_stats_truncate AFTER TRUNCATE ON dlq_record
        FOR EACH STATEMENT EXECUTE FUNCTION dlq_stats_truncate()`);
    await queryRunner.query(`
      INSERT INTO dlq_group_stat (pipeline, status, fingerprint, source_topic, error_type, cause, n)
      SELECT pipeline, status, fingerprint, source_topic, min(error_type), min(cause), count(*)
        FROM dlq_record GROUP BY 1, 2, 3, 4`);
    await queryRunner.query(`
      INSERT INTO dlq_failure_hourly (pipeline, fingerprint, hour, n)
      SELECT pipeline, fingerprint, date_trunc('hour', last_failure_at), count(*)
        FROM dlq_record WHERE last_failure_at > now() - interval '2 days' GROUP BY 1, 2, 3`);
    await queryRunner.query(`DROP INDEX ix_dlq_record_fingerprint`);
    await queryRunner.query(
      `CREATE INDEX ix_dlq_record_fingerprint ON dlq_record (pipeline, fingerprint, last_failure_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_dlq_record_time ON dlq_record (pipeline, last_failure_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_dlq_record_oldest ON dlq_record (pipeline, status, error_type, first_failure_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_dlq_record_group_first ON dlq_record (pipeline, fingerprint, status, first_failure_at)`,
    );
    const trgm = (await queryRunner.query(
      `SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'`,
    )) as unknown[];
    if (trgm.length > 0) {
      await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
      await queryRunner.query(
        `CREATE INDEX ix_dlq_record_value_text ON dlq_record
           USING gin ((left(encode(original_value, 'escape'), 2048)) gin_trgm_ops)`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS ix_dlq_record_value_text`);
    await queryRunner.query(`DROP INDEX ix_dlq_record_group_first`);
    await queryRunner.query(`DROP INDEX ix_dlq_record_oldest`);
    await queryRunner.query(`DROP INDEX ix_dlq_record_time`);
    await queryRunner.query(`DROP INDEX ix_dlq_record_fingerprint`);
    await queryRunner.query(
      `CREATE INDEX ix_dlq_record_fingerprint ON dlq_record (pipeline, fingerprint, status, last_failure_at DESC)`,
    );
    await queryRunner.query(`DROP TRIGGER tr_dlq_stats_truncate ON dlq_record`);
    await queryRunner.query(`DROP FUNCTION dlq_stats_truncate()`);
    await queryRunner.query(`DROP TRIGGER tr_dlq_stats_delete ON dlq_record`);
    await queryRunner.query(`DROP TRIGGER tr_dlq_stats_update ON dlq_record`);
    await queryRunner.query(`DROP TRIGGER tr_dlq_stats_insert ON dlq_record`);
    await queryRunner.query(`DROP FUNCTION dlq_stats_apply()`);
    await queryRunner.query(`DROP FUNCTION dlq_stats_compact()`);
    await queryRunner.query(`DROP VIEW dlq_failure_counts`);
    await queryRunner.query(`DROP VIEW dlq_group_counts`);
    await queryRunner.query(`DROP TABLE dlq_failure_delta`);
    await queryRunner.query(`DROP TABLE dlq_group_delta`);
    await queryRunner.query(`DROP TABLE dlq_failure_hourly`);
    await queryRunner.query(`DROP TABLE dlq_group_stat`);
  }
}
