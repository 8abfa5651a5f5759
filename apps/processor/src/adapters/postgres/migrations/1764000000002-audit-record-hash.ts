import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fingerprint of each input record's bytes on its audit row. A re-delivered record re-emits its
 * recorded decision only when the bytes match; other bytes at the same coordinates mean the topic was
 * recreated (offsets started again) while the database kept its audit.
 */
export class AuditRecordHash1764000000002 implements MigrationInterface {
  name = 'AuditRecordHash1764000000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE event_audit ADD COLUMN record_hash text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE event_audit DROP COLUMN record_hash`);
  }
}
