import type { DlqStatus } from '@dedup/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A poison record kept whole (bytes and headers) for triage and replay. */
@Entity({ name: 'dlq_record' })
export class DlqRecordEntity {
  @PrimaryColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  pipeline!: string;

  @Column({ name: 'source_topic', type: 'text' })
  sourceTopic!: string;

  @Column({ name: 'source_partition', type: 'integer' })
  sourcePartition!: number;

  @Column({ name: 'source_offset', type: 'bigint' })
  sourceOffset!: string;

  @Column({ name: 'original_key', type: 'bytea', nullable: true })
  originalKey!: Buffer | null;

  @Column({ name: 'original_value', type: 'bytea', nullable: true })
  originalValue!: Buffer | null;

  @Column({ name: 'original_headers', type: 'jsonb' })
  originalHeaders!: Record<string, string>;

  @Column({ name: 'error_type', type: 'text' })
  errorType!: string;

  @Column({ name: 'error_message', type: 'text' })
  errorMessage!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'first_failure_at', type: 'timestamptz' })
  firstFailureAt!: Date;

  @Column({ name: 'last_failure_at', type: 'timestamptz' })
  lastFailureAt!: Date;

  @Column({ name: 'pipeline_version', type: 'text' })
  pipelineVersion!: string;

  @Column({ type: 'text' })
  status!: DlqStatus;

  @Column({ name: 'trace_id', type: 'text', nullable: true })
  traceId!: string | null;
}
