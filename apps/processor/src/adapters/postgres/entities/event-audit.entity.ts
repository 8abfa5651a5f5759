import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per input record: what was decided and why. Written in bulk by DedupRepository (raw SQL);
 * the entity mirrors the migrations for reads (audit lookup).
 */
@Entity({ name: 'event_audit' })
export class EventAuditEntity {
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

  @Column({ name: 'event_id', type: 'text', nullable: true })
  eventId!: string | null;

  @Column({ name: 'dedup_key', type: 'text', nullable: true })
  dedupKey!: string | null;

  @Column({ type: 'text' })
  outcome!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'error_type', type: 'text', nullable: true })
  errorType!: string | null;

  @Column({ name: 'first_topic', type: 'text', nullable: true })
  firstTopic!: string | null;

  @Column({ name: 'first_partition', type: 'integer', nullable: true })
  firstPartition!: number | null;

  @Column({ name: 'first_offset', type: 'bigint', nullable: true })
  firstOffset!: string | null;

  @Column({ name: 'first_seen_at', type: 'timestamptz', nullable: true })
  firstSeenAt!: Date | null;

  @Column({ name: 'event_time', type: 'timestamptz', nullable: true })
  eventTime!: Date | null;

  @Column({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;

  @Column({ name: 'trace_id', type: 'text', nullable: true })
  traceId!: string | null;

  @Column({ name: 'dedup_keys', type: 'text', array: true, nullable: true })
  dedupKeys!: string[] | null;

  @Column({ name: 'matched_strategy', type: 'text', nullable: true })
  matchedStrategy!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  watermark!: Date | null;

  @Column({ name: 'lateness_ms', type: 'bigint', nullable: true })
  latenessMs!: string | null;

  /** Fingerprint of the input record's bytes (migration 1764000000002). */
  @Column({ name: 'record_hash', type: 'text', nullable: true })
  recordHash!: string | null;

  /** Decided by approximate mode's Bloom filters (migration 1764000000003). */
  @Column({ type: 'boolean', default: false })
  approximate!: boolean;

  @Column({ name: 'pipeline_version', type: 'text' })
  pipelineVersion!: string;
}
