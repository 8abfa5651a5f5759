import { DataSource } from 'typeorm';
import { DlqRecordEntity } from './entities/dlq-record.entity';
import { EventAuditEntity } from './entities/event-audit.entity';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { WindowsWatermarksProgress1764000000001 } from './migrations/1764000000001-windows-watermarks-progress';
import { AuditRecordHash1764000000002 } from './migrations/1764000000002-audit-record-hash';
import { ApproximateMode1764000000003 } from './migrations/1764000000003-approximate-mode';
import { PipelineWatermarkPerPartition1764000000004 } from './migrations/1764000000004-pipeline-watermark-per-partition';
import { BackfillsAndActionLog1764000000005 } from './migrations/1764000000005-backfills-and-action-log';
import { AccessControl1764000000006 } from './migrations/1764000000006-access-control';
import { DlqTriageAndPipelineTopics1764000000007 } from './migrations/1764000000007-dlq-triage-and-pipeline-topics';
import { DlqReplay1764000000008 } from './migrations/1764000000008-dlq-replay';
import { DlqGroupStats1764000000009 } from './migrations/1764000000009-dlq-group-stats';
import { AuditPartitionsAndInsightRollups1764000000010 } from './migrations/1764000000010-audit-partitions-and-insight-rollups';

/** The schema changes only through these migrations (`synchronize` stays off). */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  WindowsWatermarksProgress1764000000001,
  AuditRecordHash1764000000002,
  ApproximateMode1764000000003,
  PipelineWatermarkPerPartition1764000000004,
  BackfillsAndActionLog1764000000005,
  AccessControl1764000000006,
  DlqTriageAndPipelineTopics1764000000007,
  DlqReplay1764000000008,
  DlqGroupStats1764000000009,
  AuditPartitionsAndInsightRollups1764000000010,
];

/**
 * `idleInTransactionTimeoutMs` (0: none) ends a session that sits idle inside a transaction that
 * long: a processor frozen mid-batch then releases its partition's advisory lock and row locks.
 */
export function createDataSource(url: string, poolSize: number, idleInTransactionTimeoutMs = 0): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [EventAuditEntity, DlqRecordEntity],
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    extra: {
      max: poolSize,
      application_name: 'dedup-processor',
      ...(idleInTransactionTimeoutMs > 0
        ? { options: `-c idle_in_transaction_session_timeout=${idleInTransactionTimeoutMs}` }
        : {}),
    },
  });
}
