import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access control (docs/access-control.md):
 * - api_token: API tokens for scripts and CI. Only the SHA-256 of a token is stored (the token is
 *   32 random bytes, so a fast hash is enough: nothing to brute-force), with a display prefix, its
 *   role, who issued it, and when it expires or was revoked.
 * - operator_action grows into the action log of every mutating call, allowed, refused and failed
 *   alike: who (id, name, kind, role), the route (method, path), dry run or not, the result and its
 *   status and error, the request and trace ids and the caller's address. Rows written before this
 *   migration were all successful calls (result 'ok') by an unnamed actor kind ('system' when the
 *   actor is null: a job that finished by itself).
 */
export class AccessControl1764000000006 implements MigrationInterface {
  name = 'AccessControl1764000000006';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_token (
        id            bigserial   PRIMARY KEY,
        name          text        NOT NULL,
        role          text        NOT NULL CONSTRAINT ck_api_token_role CHECK (role IN ('viewer', 'operator', 'admin')),
        token_hash    bytea       NOT NULL CONSTRAINT uq_api_token_hash UNIQUE,
        prefix        text        NOT NULL,
        created_by    text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz NOT NULL,
        revoked_at    timestamptz,
        last_used_at  timestamptz
      )`);
    await queryRunner.query(`
      ALTER TABLE operator_action
        ADD COLUMN actor_name      text,
        ADD COLUMN actor_kind      text    NOT NULL DEFAULT 'user'
          CONSTRAINT ck_operator_action_actor_kind CHECK (actor_kind IN ('user', 'token', 'system', 'anonymous')),
        ADD COLUMN role            text
          CONSTRAINT ck_operator_action_role CHECK (role IN ('viewer', 'operator', 'admin')),
        ADD COLUMN method          text,
        ADD COLUMN path            text,
        ADD COLUMN dry_run         boolean NOT NULL DEFAULT false,
        ADD COLUMN result          text    NOT NULL DEFAULT 'ok'
          CONSTRAINT ck_operator_action_result CHECK (result IN ('ok', 'refused', 'rejected', 'failed')),
        ADD COLUMN status_code     integer,
        ADD COLUMN error           text,
        ADD COLUMN request_id      text,
        ADD COLUMN trace_id        text,
        ADD COLUMN remote_address  text`);
    await queryRunner.query(
      `UPDATE operator_action SET actor_kind = 'system' WHERE actor IS NULL OR actor = 'system'`,
    );
    await queryRunner.query(`DROP INDEX ix_operator_action_pipeline_at`);
    // The list is newest first by id (the cursor); filters narrow it by actor, action or result.
    await queryRunner.query(
      `CREATE INDEX ix_operator_action_pipeline_id ON operator_action (pipeline, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_operator_action_actor ON operator_action (pipeline, actor, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX ix_operator_action_action ON operator_action (pipeline, action, id DESC)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_operator_action_action`);
    await queryRunner.query(`DROP INDEX ix_operator_action_actor`);
    await queryRunner.query(`DROP INDEX ix_operator_action_pipeline_id`);
    await queryRunner.query(
      `CREATE INDEX ix_operator_action_pipeline_at ON operator_action (pipeline, at DESC)`,
    );
    await queryRunner.query(`
      ALTER TABLE operator_action
        DROP COLUMN actor_name, DROP COLUMN actor_kind, DROP COLUMN role, DROP COLUMN method,
        DROP COLUMN path, DROP COLUMN dry_run, DROP COLUMN result, DROP COLUMN status_code,
        DROP COLUMN error, DROP COLUMN request_id, DROP COLUMN trace_id, DROP COLUMN remote_address`);
    await queryRunner.query(`DROP TABLE api_token`);
  }
}
