import { readFileSync } from 'node:fs';
import { pipelineSemanticsSchema, type PipelineSemantics } from '@dedup/contracts';
import { approximateLayout, type ApproximateLayout } from '@dedup/core';
import { z } from 'zod';

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0),
);

/**
 * Every setting the processor reads, with its default. The table in README.md mirrors this schema;
 * nothing else in the processor reads process.env.
 */
const envSchema = z.object({
  PIPELINE_NAME: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'lower-case letters, digits, . _ - (max 63)')
    .default('default'),
  PIPELINE_VERSION: z.string().default('1'),
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: int(3001),
  KAFKA_BROKERS: csv.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().default('dedup-processor'),
  KAFKA_GROUP_ID: z.string().optional(),
  TOPIC_INPUT: z.string().default('events.raw'),
  TOPIC_OUTPUT: z.string().default('events.deduped'),
  TOPIC_DUPLICATES: z.string().default('events.duplicates'),
  TOPIC_LATE: z.string().default('events.late'),
  TOPIC_DLQ: z.string().default('events.dlq'),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3),
  DATABASE_URL: z.url().default('postgres://postgres:password@127.0.0.1:5432/dedup'),
  DATABASE_POOL_SIZE: int(10),
  MAX_PAYLOAD_BYTES: int(1_048_576),
  MAX_OUTPUT_RECORD_BYTES: int(1_048_576),
  /**
   * How long the broker lets a transaction stay open. It bounds how long a killed instance's open
   * transaction holds back its output partitions' last stable offset and its partitions' committed
   * offsets (each instance has a transactional id of its own: docs/adr/0017). A round's transaction
   * opens after its batches' Postgres transactions, so it spans only Kafka requests.
   */
  KAFKA_TRANSACTION_TIMEOUT_MS: int(10_000),
  /**
   * exactly_once (default): outputs and input offsets in one Kafka transaction per batch.
   * at_least_once: outputs with an idempotent producer, then the offsets; a crash between the two
   * re-publishes the batch (for consumers that dedup downstream, and as a benchmark baseline).
   */
  PROCESSING_GUARANTEE: z.enum(['exactly_once', 'at_least_once']).default('exactly_once'),
  /** A member that sends no heartbeat for this long leaves the group and its partitions move on. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /**
   * Postgres ends a session idle inside a transaction for this long (0: never): a processor frozen
   * mid-batch then releases its partition's locks instead of blocking the partition's new owner.
   */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(60_000),
  /** A batch holds at most this many records (a larger fetch, such as a backlog, is split). */
  BATCH_MAX_RECORDS: z.coerce.number().int().min(1, 'must be at least 1').max(100_000).default(5_000),
  /** How long a fetch may wait for more records (0: a batch closes as soon as records are there). */
  // 0 since one Kafka transaction per round (docs/adr/0018): p99 at 2k events/s 37-55 ms against
  // 66-80 with 10 ms, for 0.3-0.45 more cores over the processor, broker and Postgres at 250-5k/s;
  // 10 gives that CPU back where latency matters less (docs/adr/0013).
  BATCH_LINGER_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  /**
   * How long a batch waits for the other batches in flight to join its round's one Postgres
   * transaction (docs/adr/0019) and, exactly-once, its round's one Kafka transaction (docs/adr/0017).
   * 0: no waiting (in effect a Postgres transaction per batch); a Kafka transaction starts at once with the batches ready,
   * the others form the next one, while it runs.
   */
  BATCH_ROUND_WAIT_MS: z.coerce.number().int().min(0).max(1_000).default(50),
  /**
   * A round's Postgres transaction takes batches until their records would exceed this; the other
   * batches take transactions of their own, side by side (docs/adr/0019). 1: one per batch.
   */
  BATCH_ROUND_MAX_RECORDS: z.coerce.number().int().min(1).max(100_000).default(256),
  PIPELINE_SEMANTICS: z.string().optional(),
  PIPELINE_CONFIG_FILE: z.string().optional(),
  STATE_EXPIRY_INTERVAL_MS: z.coerce.number().int().positive().default(10_000),
  // ~400 bytes per entry: 50,000 entries are about 20 MB of heap.
  STATE_CACHE_SIZE: z.coerce
    .number()
    .int('must be a whole number of entries')
    .nonnegative('must be 0 (off) or more entries')
    .max(10_000_000, 'must be at most 10000000 entries')
    .default(50_000),
  /** Days of audit rows kept: older day partitions are dropped whole (docs/adr/0010). */
  AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(3_650, 'must be at most 3650 days')
    .default(14),
  /** How often each instance's backfill supervisor looks at the jobs (docs/backfills.md). */
  BACKFILL_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** A backfill's rate limit when its request names none: events/s per processor instance. */
  BACKFILL_DEFAULT_RATE: z.coerce.number().int().min(1).max(1_000_000).default(1_000),
  /** A DLQ record that fails this many times (the first failure and replays) is quarantined. */
  DLQ_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** How often each instance's replay publisher looks for work (docs/dlq.md). */
  REPLAY_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(500),
  /** A replay run's rate cap when its request names none: records per second per instance. */
  REPLAY_DEFAULT_RATE: z.coerce.number().int().min(1).max(100_000).default(100),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * The secret the console signs its per-call tokens with (HS256, docs/access-control.md); the same
   * value in the console's env. Unset: only API tokens are accepted.
   */
  CONSOLE_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Logged (mutating) calls per identity per minute, per processor instance; then 429. */
  RATE_LIMIT_PER_IDENTITY_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Logged calls per client address per minute (counted before authentication); then 429. */
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
});

export interface AppConfig {
  readonly pipeline: { readonly name: string; readonly version: string };
  readonly http: { readonly host: string; readonly port: number };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly groupId: string;
    readonly transactionTimeoutMs: number;
    readonly guarantee: 'exactly_once' | 'at_least_once';
    readonly batch: {
      readonly maxRecords: number;
      readonly lingerMs: number;
      readonly roundWaitMs: number;
      readonly roundMaxRecords: number;
    };
    readonly sessionTimeoutMs: number;
    /** Partitions for topics the processor creates when they are missing. */
    readonly topicPartitions: number;
  };
  readonly topics: {
    readonly input: string;
    readonly output: string;
    readonly duplicates: string;
    readonly late: string;
    readonly dlq: string;
  };
  readonly database: {
    readonly url: string;
    readonly poolSize: number;
    readonly idleInTransactionTimeoutMs: number;
  };
  readonly limits: {
    readonly maxPayloadBytes: number;
    /** The largest record the output topics take (their max.message.bytes): see output-records.ts. */
    readonly maxOutputRecordBytes: number;
  };
  /** Keys, window, watermark and lateness rules (docs/semantics.md). */
  readonly semantics: PipelineSemantics;
  /** The Bloom filter layout when `semantics.approximate` is set (docs/adr/0005), else null. */
  readonly approximate: ApproximateLayout | null;
  /** Audit rows older than this many days are dropped with their day partition. */
  readonly audit: { readonly retentionDays: number };
  readonly state: {
    readonly expiryIntervalMs: number;
    /** Entries of the in-memory state cache in front of Postgres; 0 disables it. */
    readonly cacheSize: number;
  };
  readonly backfill: { readonly pollIntervalMs: number; readonly defaultMaxEventsPerSecond: number };
  readonly dlq: {
    readonly maxAttempts: number;
    readonly replayPollIntervalMs: number;
    readonly replayDefaultMaxPerSecond: number;
  };
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly auth: {
    readonly consoleTokenSecret: string | null;
    readonly rateLimits: { readonly perIdentityPerMinute: number; readonly perAddressPerMinute: number };
  };
}

export class ConfigError extends Error {}

/** Parses the environment once; reports every bad key at the same time. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const semantics = loadSemantics(e.PIPELINE_SEMANTICS, e.PIPELINE_CONFIG_FILE);
  const approximate = loadApproximateLayout(semantics, e.PIPELINE_SEMANTICS !== undefined);
  return deepFreeze({
    pipeline: { name: e.PIPELINE_NAME, version: e.PIPELINE_VERSION },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      groupId: e.KAFKA_GROUP_ID ?? `dedup-${e.PIPELINE_NAME}`,
      transactionTimeoutMs: e.KAFKA_TRANSACTION_TIMEOUT_MS,
      guarantee: e.PROCESSING_GUARANTEE,
      batch: {
        maxRecords: e.BATCH_MAX_RECORDS,
        lingerMs: e.BATCH_LINGER_MS,
        roundWaitMs: e.BATCH_ROUND_WAIT_MS,
        roundMaxRecords: e.BATCH_ROUND_MAX_RECORDS,
      },
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      topicPartitions: e.TOPIC_PARTITIONS,
    },
    topics: {
      input: e.TOPIC_INPUT,
      output: e.TOPIC_OUTPUT,
      duplicates: e.TOPIC_DUPLICATES,
      late: e.TOPIC_LATE,
      dlq: e.TOPIC_DLQ,
    },
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      idleInTransactionTimeoutMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    limits: { maxPayloadBytes: e.MAX_PAYLOAD_BYTES, maxOutputRecordBytes: e.MAX_OUTPUT_RECORD_BYTES },
    semantics,
    approximate,
    audit: { retentionDays: e.AUDIT_RETENTION_DAYS },
    state: { expiryIntervalMs: e.STATE_EXPIRY_INTERVAL_MS, cacheSize: e.STATE_CACHE_SIZE },
    backfill: {
      pollIntervalMs: e.BACKFILL_POLL_INTERVAL_MS,
      defaultMaxEventsPerSecond: e.BACKFILL_DEFAULT_RATE,
    },
    dlq: {
      maxAttempts: e.DLQ_MAX_ATTEMPTS,
      replayPollIntervalMs: e.REPLAY_POLL_INTERVAL_MS,
      replayDefaultMaxPerSecond: e.REPLAY_DEFAULT_RATE,
    },
    logLevel: e.LOG_LEVEL,
    auth: {
      consoleTokenSecret: e.CONSOLE_TOKEN_SECRET ?? null,
      rateLimits: {
        perIdentityPerMinute: e.RATE_LIMIT_PER_IDENTITY_PER_MINUTE,
        perAddressPerMinute: e.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
      },
    },
  });
}

/**
 * The pipeline's dedup semantics come from PIPELINE_SEMANTICS (inline JSON) or PIPELINE_CONFIG_FILE
 * (a JSON file); neither set means the defaults. Every invalid field is reported at once.
 */
function loadSemantics(inline: string | undefined, file: string | undefined): PipelineSemantics {
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError(
      'invalid configuration:\n  set PIPELINE_SEMANTICS or PIPELINE_CONFIG_FILE, not both',
    );
  }
  let source = '{}';
  let origin = 'defaults';
  if (inline !== undefined) {
    source = inline;
    origin = 'PIPELINE_SEMANTICS';
  } else if (file !== undefined) {
    origin = `PIPELINE_CONFIG_FILE (${file})`;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`invalid configuration:\n  ${origin}: cannot read: ${(error as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    throw new ConfigError(`invalid configuration:\n  ${origin}: not JSON: ${(error as Error).message}`);
  }
  const parsed = pipelineSemanticsSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${origin} ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Sizes approximate mode's Bloom filters at boot, so that a rate and target that would need an
 * unreasonable filter (more than 256 MiB per generation) stop the start with the numbers, not the
 * first batch.
 */
function loadApproximateLayout(semantics: PipelineSemantics, inline: boolean): ApproximateLayout | null {
  const approximate = semantics.approximate;
  if (approximate === undefined) return null;
  try {
    return approximateLayout(semantics);
  } catch (error) {
    const origin = inline ? 'PIPELINE_SEMANTICS' : 'PIPELINE_CONFIG_FILE';
    throw new ConfigError(
      `invalid configuration:\n  ${origin} approximate: ${(error as Error).message} per generation; ` +
        `lower expectedKeysPerSecond (${approximate.expectedKeysPerSecond}), raise falsePositiveRate ` +
        `(${approximate.falsePositiveRate}) or shorten the window`,
    );
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Nest injection token for the frozen config. */
export const APP_CONFIG = Symbol('APP_CONFIG');
