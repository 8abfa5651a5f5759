import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pipeline watermark moves from one row per (pipeline, topic), which every batch transaction of
 * every partition upserted, to a column of each partition's own watermark row: "the pipeline
 * watermark as this partition's last batch computed it". The pipeline's watermark is the greatest of
 * them (each only moves forward, so their maximum does too), read through a view with the old
 * table's name and columns.
 *
 * Why: the shared row's lock is held until the batch commits, so the partitions' batch transactions
 * queued behind each other on it; with 4 partitions it was 48 % of Postgres's statement time at
 * saturation (mean 196 ms per upsert, pg_stat_statements in `npm run bench`, docs/benchmarks.md).
 * Each batch already writes its own partition's row; nothing is shared now.
 */
export class PipelineWatermarkPerPartition1764000000004 implements MigrationInterface {
  name = 'PipelineWatermarkPerPartition1764000000004';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE partition_watermark ADD COLUMN pipeline_watermark timestamptz`);
    await queryRunner.query(`
      UPDATE partition_watermark pw SET pipeline_watermark = p.watermark
        FROM pipeline_watermark p WHERE p.pipeline = pw.pipeline AND p.topic = pw.topic`);
    await queryRunner.query(`DROP TABLE pipeline_watermark`);
    await queryRunner.query(`
      CREATE VIEW pipeline_watermark AS
        SELECT pipeline, topic, max(pipeline_watermark) AS watermark
          FROM partition_watermark WHERE pipeline_watermark IS NOT NULL
         GROUP BY pipeline, topic`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW pipeline_watermark`);
    await queryRunner.query(`
      CREATE TABLE pipeline_watermark (
        pipeline          text        NOT NULL,
        topic             text        NOT NULL,
        watermark         timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_pipeline_watermark PRIMARY KEY (pipeline, topic)
      )`);
    await queryRunner.query(`
      INSERT INTO pipeline_watermark (pipeline, topic, watermark)
      SELECT pipeline, topic, max(pipeline_watermark) FROM partition_watermark
       WHERE pipeline_watermark IS NOT NULL GROUP BY pipeline, topic`);
    await queryRunner.query(`ALTER TABLE partition_watermark DROP COLUMN pipeline_watermark`);
  }
}
