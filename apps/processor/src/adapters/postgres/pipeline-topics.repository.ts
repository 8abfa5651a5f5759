import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type PipelineTopicRole = 'input' | 'output' | 'duplicates' | 'late' | 'dlq';

export interface PipelineTopic {
  readonly pipeline: string;
  readonly role: PipelineTopicRole;
  readonly topic: string;
}

/**
 * The topics of every live pipeline that shares this database, by role (`pipeline_topic`): each
 * processor writes its own when its pipeline starts, and a backfill is refused a target that any of
 * them consumes or produces (docs/backfills.md). Rows are never removed by the processor: a pipeline
 * that was retired can be deleted by hand (`DELETE FROM pipeline_topic WHERE pipeline = …`).
 */
@Injectable()
export class PipelineTopicsRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async register(pipeline: string, topics: Readonly<Record<PipelineTopicRole, string>>): Promise<void> {
    const rows = Object.entries(topics).map(([role, topic]) => ({ role, topic }));
    await this.dataSource.query(
      `INSERT INTO pipeline_topic (pipeline, role, topic)
       SELECT $1, role, topic FROM jsonb_to_recordset($2::jsonb) AS r(role text, topic text)
       ON CONFLICT ON CONSTRAINT pk_pipeline_topic DO UPDATE SET topic = EXCLUDED.topic, updated_at = now()`,
      [pipeline, JSON.stringify(rows)],
    );
  }

  async all(): Promise<PipelineTopic[]> {
    return this.dataSource.query(`SELECT pipeline, role, topic FROM pipeline_topic ORDER BY pipeline, role`);
  }
}
