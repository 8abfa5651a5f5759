import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Approximate mode (docs/adr/0005):
 * - bloom_block: one row per (pipeline, layout, block) holding that 64-byte block of the Bloom filter
 *   of every live generation (`generations` ascending; `bits` = 64 bytes per generation, in that
 *   order). A key hashes to one block in every generation, so a batch locks one row per key, and two
 *   batches that could both accept a key meet on that row. The row count is bounded by the blocks of
 *   one filter, whatever the number of keys.
 * - event_audit.approximate: the decision came from the Bloom filters (a duplicate may be a false
 *   positive, and names no first occurrence).
 */
export class ApproximateMode1764000000003 implements MigrationInterface {
  name = 'ApproximateMode1764000000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE bloom_block (
        pipeline     text     NOT NULL,
        layout       text     NOT NULL,
        block        integer  NOT NULL,
        generations  bigint[] NOT NULL,
        bits         bytea    NOT NULL,
        CONSTRAINT pk_bloom_block PRIMARY KEY (pipeline, layout, block),
        CONSTRAINT ck_bloom_block_bits CHECK (octet_length(bits) = 64 * cardinality(generations))
      )`);
    // Constant default: Postgres adds the column without rewriting the audit table.
    await queryRunner.query(`ALTER TABLE event_audit ADD COLUMN approximate boolean NOT NULL DEFAULT false`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE event_audit DROP COLUMN approximate`);
    await queryRunner.query(`DROP TABLE bloom_block`);
  }
}
