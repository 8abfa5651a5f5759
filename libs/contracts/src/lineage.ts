import { z } from 'zod';
import { OUTCOMES } from './outcome';

/**
 * Lineage (issue 15): "why was this event dropped?". Given an event id, or the coordinates of an
 * input record, every occurrence of that event the pipeline (and its backfills) decided, from the
 * audit: when it arrived, what was decided and why, what it was a duplicate of, the watermark it
 * was judged against, its trace, and where it went next (its DLQ record, the replay that sent it
 * back). By coordinates, the record there is found first, then every occurrence of its event id.
 */

/** The most occurrences one answer holds; `truncated` says when there were more. */
export const LINEAGE_MAX_LIMIT = 1_000;

const offset = z.string().regex(/^\d{1,18}$/, 'an offset: a whole number');

export const lineageQuerySchema = z
  .strictObject({
    eventId: z
      .string()
      .min(1, 'an event id: not empty')
      .max(500, 'an event id: at most 500 characters')
      .optional(),
    dedupKey: z
      .string()
      .min(1, 'a dedup key: not empty')
      .max(2000, 'a dedup key: at most 2000 characters')
      .optional(),
    topic: z.string().min(1).max(249, 'a topic name: at most 249 characters').optional(),
    partition: z.coerce
      .number({ error: 'a partition: a whole number' })
      .int('a partition: a whole number')
      .min(0, 'a partition: 0 or more')
      .max(1_000_000)
      .optional(),
    offset: offset.optional(),
    limit: z.coerce.number().int().min(1).max(LINEAGE_MAX_LIMIT).default(100),
  })
  .superRefine((q, ctx) => {
    const coordinates = [q.topic, q.partition, q.offset].filter((v) => v !== undefined).length;
    const named = [q.eventId !== undefined, q.dedupKey !== undefined, coordinates > 0].filter(Boolean).length;
    if (named > 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'search by one of eventId, dedupKey, or topic, partition and offset',
      });
    } else if (named === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'name the event: eventId, dedupKey, or topic, partition and offset',
      });
    } else if (coordinates > 0 && coordinates < 3) {
      ctx.addIssue({
        code: 'custom',
        message: 'coordinates need all three of topic, partition and offset',
      });
    }
  });
export type LineageQuery = z.input<typeof lineageQuerySchema>;
export type LineageQueryValue = z.output<typeof lineageQuerySchema>;

const coordinatesSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
});
export type LineageCoordinates = z.infer<typeof coordinatesSchema>;

/** One decided input record of the event: one audit row. */
export const lineageOccurrenceSchema = z.object({
  /** The audit row's pipeline: the live one, or a backfill's namespace `<pipeline>.backfill.<id>`. */
  pipeline: z.string(),
  /** The backfill job that decided it; null for the live pipeline. */
  backfillId: z.string().nullable(),
  pipelineVersion: z.string(),
  /** Null when the record had none that could be read (unparseable JSON, a missing event_id). */
  eventId: z.string().nullable(),
  /** Where the record was read from. */
  coordinates: coordinatesSchema,
  /** When it was decided (the batch transaction's start). */
  processedAt: z.string(),
  /** Its event time, as the event stated it; null when it had none that could be read. */
  eventTime: z.string().nullable(),
  outcome: z.enum(OUTCOMES),
  /** The decision in the processor's words (`duplicate of …`, `late by …`, the contract error). */
  reason: z.string().nullable(),
  /** For invalid and failed records: the error's type (`invalid_json`, `schema_violation`, …). */
  errorType: z.string().nullable(),
  /** The key strategy that matched (a duplicate) or claimed (a unique). */
  matchedStrategy: z.string().nullable(),
  dedupKey: z.string().nullable(),
  /** A duplicate: the occurrence it was a duplicate of, and when that one was first seen. */
  firstOccurrence: coordinatesSchema.extend({ firstSeenAt: z.string().nullable() }).nullable(),
  /** The pipeline watermark the record was judged against, and how far behind it the event was. */
  watermark: z.string().nullable(),
  latenessMs: z.number().int().nullable(),
  traceId: z.string().nullable(),
  /** Decided by approximate mode's Bloom filters (a duplicate may be a false positive). */
  approximate: z.boolean(),
  /** The DLQ record this occurrence became (same pipeline and coordinates), when it did. */
  dlq: z.object({ id: z.string(), status: z.string() }).nullable(),
  /** When a DLQ replay sent it back: the run, and the DLQ record it was replayed from. */
  replay: z.object({ runId: z.string(), dlqId: z.string() }).nullable(),
});
export type LineageOccurrence = z.infer<typeof lineageOccurrenceSchema>;

export const lineageResponseSchema = z.object({
  /** The search as understood (defaults applied). */
  query: z.object({
    eventId: z.string().nullable(),
    /** A dedup key as the audit stores it (`<strategy>:<value>`, see an occurrence's dedupKey). */
    dedupKey: z.string().nullable().default(null),
    coordinates: coordinatesSchema.nullable(),
    limit: z.number().int(),
  }),
  /**
   * The event id the search resolved to: the one asked for, or (by coordinates) the one of the
   * record found there; null when that record had none, or nothing was found.
   */
  eventId: z.string().nullable(),
  /** In arrival order, oldest first (processed_at, then audit row id): the first occurrence leads. */
  occurrences: z.array(lineageOccurrenceSchema),
  /** More occurrences exist than `limit`; the oldest `limit` are here. */
  truncated: z.boolean(),
});
export type LineageResponse = z.infer<typeof lineageResponseSchema>;

/** What a validated query searches for (the refinement guarantees exactly one, whole). */
export type LineageTarget =
  | { readonly kind: 'event'; readonly eventId: string }
  | { readonly kind: 'dedup-key'; readonly dedupKey: string }
  | { readonly kind: 'coordinates'; readonly coordinates: LineageCoordinates };

export function lineageTarget(query: LineageQueryValue): LineageTarget {
  if (query.eventId !== undefined) return { kind: 'event', eventId: query.eventId };
  if (query.dedupKey !== undefined) return { kind: 'dedup-key', dedupKey: query.dedupKey };
  const { topic, partition, offset } = query;
  if (topic === undefined || partition === undefined || offset === undefined) {
    throw new Error('lineage query without an event id or whole coordinates: not validated');
  }
  return { kind: 'coordinates', coordinates: { topic, partition, offset } };
}
