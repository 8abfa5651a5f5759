import { z } from 'zod';

/**
 * Backfills (DESIGN.md, "Audit, DLQ, replay, backfill"; docs/backfills.md): a persisted, resumable,
 * cancellable job that re-runs the pipeline over a range of an input topic into a target topic,
 * rate-limited, in its own state namespace, with the live pipeline's exactly-once rules.
 */

export const BACKFILL_STATUSES = ['running', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];
/** Statuses a job never leaves. */
export const BACKFILL_FINAL_STATUSES: readonly BackfillStatus[] = ['completed', 'cancelled', 'failed'];

/** Kafka refuses a longer topic name (and a broker's log directory name is built from it). */
export const KAFKA_TOPIC_NAME_MAX = 249;

/**
 * Kafka's own rule for topic names, checked at the request: a name the broker refuses would be
 * accepted here and fail the job later. Internal topics (`__consumer_offsets`,
 * `__transaction_state`) are the broker's: a backfill neither reads nor writes them.
 */
const topicName = z
  .string()
  .min(1)
  .max(KAFKA_TOPIC_NAME_MAX)
  .regex(/^[a-zA-Z0-9._-]+$/, 'a Kafka topic name: letters, digits, . _ - (max 249)')
  .refine((name) => name !== '.' && name !== '..', 'a Kafka topic name cannot be "." or ".."')
  .refine(
    (name) => !name.startsWith('__'),
    'a name starting with "__" is a Kafka internal topic (__consumer_offsets, __transaction_state)',
  );
const offset = z
  .string()
  .regex(/^\d{1,19}$/, 'an offset: a non-negative whole number, as a string')
  .or(z.number().int().nonnegative().transform(String));
/**
 * A record time. Kafka's timestamps count milliseconds from 1970 and a negative one asks the broker
 * for something else (-1 latest, -2 earliest; kafkajs sends older ones in a version the broker
 * refuses), so an earlier instant is refused here. The format caps the year at 9999, which Kafka
 * resolves as "no record at or after it": the end of the log.
 */
const instant = z.iso
  .datetime({ offset: true, message: 'an ISO-8601 date-time, e.g. 2026-12-01T00:00:00Z' })
  .refine((at) => Date.parse(at) >= 0, 'at or after 1970-01-01T00:00:00Z, where Kafka record times start');

/** By record timestamp: from the first record at or after `from` to the last one before `to`. */
const timeRange = z.object({
  kind: z.literal('time'),
  /** Omitted: from the earliest record still in the topic. */
  from: instant.optional(),
  /** Omitted: up to the end of the topic when the job is created. */
  to: instant.optional(),
});
/** By offsets, per partition: `start` inclusive, `end` exclusive. Partitions not listed are skipped. */
const offsetRange = z.object({
  kind: z.literal('offsets'),
  partitions: z
    .array(z.object({ partition: z.number().int().nonnegative(), start: offset, end: offset }))
    .min(1, 'name at least one partition'),
});
export const backfillRangeSchema = z.discriminatedUnion('kind', [timeRange, offsetRange]);
export type BackfillRange = z.infer<typeof backfillRangeSchema>;

/** `POST /api/backfills` (and `POST /api/backfills/preview`, which creates nothing). */
export const createBackfillRequestSchema = z
  .strictObject({
    /** Omitted: the pipeline's input topic. */
    sourceTopic: topicName.optional(),
    /** Where the backfill's unique events go; created like the source when missing. */
    targetTopic: topicName,
    /** Omitted: `<targetTopic>.duplicates` and `<targetTopic>.late`, the job's own (backfillSideTopics). */
    duplicatesTopic: topicName.optional(),
    lateTopic: topicName.optional(),
    range: backfillRangeSchema,
    /** Rate limit, per processor instance, so the live pipeline keeps its SLO. */
    maxEventsPerSecond: z.number().int().min(1).max(1_000_000).optional(),
    /** Why: written to the operator action log with the job. */
    reason: z.string().max(500).optional(),
  })
  .superRefine((request, ctx) => {
    // The topics named after the target must be legal Kafka names too: a long target makes them too long.
    const { duplicatesTopic, lateTopic } = backfillSideTopics(request);
    for (const [field, derived, given] of [
      ['duplicatesTopic', duplicatesTopic, request.duplicatesTopic],
      ['lateTopic', lateTopic, request.lateTopic],
    ] as const) {
      if (given === undefined && derived.length > KAFKA_TOPIC_NAME_MAX) {
        ctx.addIssue({
          code: 'custom',
          path: ['targetTopic'],
          message: `too long for the ${field} named after it (${derived.length} characters, Kafka allows ${KAFKA_TOPIC_NAME_MAX}): shorten it or name ${field}`,
        });
      }
    }
  });
export type CreateBackfillRequest = z.input<typeof createBackfillRequestSchema>;

/** A backfill's duplicates and late topics: the ones it names, else topics of its own beside its target. */
export function backfillSideTopics(request: {
  readonly targetTopic: string;
  readonly duplicatesTopic?: string | undefined;
  readonly lateTopic?: string | undefined;
}): { duplicatesTopic: string; lateTopic: string } {
  return {
    duplicatesTopic: request.duplicatesTopic ?? `${request.targetTopic}.duplicates`,
    lateTopic: request.lateTopic ?? `${request.targetTopic}.late`,
  };
}

export const backfillPartitionSchema = z.object({
  partition: z.number().int(),
  /** First offset of the range (inclusive). */
  startOffset: z.string(),
  /** End of the range (exclusive). */
  endOffset: z.string(),
  /** Next offset the job will process; equals endOffset when the partition is done. */
  nextOffset: z.string(),
  totalRecords: z.number().int().nonnegative(),
  processedRecords: z.number().int().nonnegative(),
  done: z.boolean(),
});
export type BackfillPartition = z.infer<typeof backfillPartitionSchema>;

export const backfillJobSchema = z.object({
  /** Null in a preview. */
  id: z.string().nullable(),
  /** The live pipeline the job belongs to. */
  pipeline: z.string(),
  /** The job's own state namespace (its `pipeline` in audit, DLQ and state rows). */
  namespace: z.string().nullable(),
  sourceTopic: z.string(),
  targetTopic: z.string(),
  duplicatesTopic: z.string(),
  lateTopic: z.string(),
  range: backfillRangeSchema,
  maxEventsPerSecond: z.number().int(),
  status: z.enum([...BACKFILL_STATUSES, 'preview']),
  error: z.string().nullable(),
  reason: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  partitions: z.array(backfillPartitionSchema),
  totalRecords: z.number().int().nonnegative(),
  processedRecords: z.number().int().nonnegative(),
  /** processedRecords / totalRecords, 1 for an empty range. */
  progress: z.number().min(0).max(1),
  /** At the rate limit, seconds left (null when the job is not running). */
  etaSeconds: z.number().nonnegative().nullable(),
});
export type BackfillJob = z.infer<typeof backfillJobSchema>;

export const backfillListResponseSchema = z.object({ backfills: z.array(backfillJobSchema) });
export type BackfillListResponse = z.infer<typeof backfillListResponseSchema>;

/** `POST /api/backfills/:id/{pause,resume,cancel}` */
export const BACKFILL_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type BackfillAction = (typeof BACKFILL_ACTIONS)[number];
