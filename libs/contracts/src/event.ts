import { z } from 'zod';

/** Event time arrives as ISO-8601 (with a zone) or epoch milliseconds; it is normalised to epoch ms. */
export const eventTimeSchema = z.union([
  z.number().int('event_time in epoch ms must be an integer').nonnegative('event_time must not be negative'),
  z.iso
    .datetime({ offset: true, message: 'event_time must be ISO-8601 with a zone, or epoch milliseconds' })
    .transform((iso) => Date.parse(iso)),
]);

/**
 * The input event contract. Unknown fields are kept (`loose`), so a producer that adds a field is
 * not rejected and the field travels to the output unchanged.
 */
export const inputEventSchema = z.looseObject({
  // U+0000 is accepted here on purpose: such an id cannot be stored by Postgres, so its record is the
  // contract's example of `failed` (processing_failed, isolated one by one; docs/exactly-once.md).
  event_id: z.string().min(1, 'event_id must be a non-empty string').max(256, 'event_id is longer than 256'),
  event_type: z.string().min(1, 'event_type must be a non-empty string'),
  event_time: eventTimeSchema,
  source: z.string().optional(),
  aggregate_id: z.string().optional(),
  payload: z.unknown(),
  schema_version: z.number().int().positive(),
});

export type InputEvent = z.output<typeof inputEventSchema>;

/** Header names this operator writes on its output records (all lower-case, `dedup-` prefixed). */
export const DEDUP_HEADERS = {
  outcome: 'dedup-outcome',
  reason: 'dedup-reason',
  errorType: 'dedup-error-type',
  sourceTopic: 'dedup-source-topic',
  sourcePartition: 'dedup-source-partition',
  sourceOffset: 'dedup-source-offset',
  firstTopic: 'dedup-first-topic',
  firstPartition: 'dedup-first-partition',
  firstOffset: 'dedup-first-offset',
  firstSeenAt: 'dedup-first-seen-at',
  eventId: 'dedup-event-id',
  strategy: 'dedup-strategy',
  watermark: 'dedup-watermark',
  latenessMs: 'dedup-lateness-ms',
  /** `true` on unique and duplicate records decided by approximate mode's Bloom filters. */
  approximate: 'dedup-approximate',
  pipeline: 'dedup-pipeline',
  pipelineVersion: 'dedup-pipeline-version',
  /**
   * On a DLQ record too large to forward whole: the original's size in bytes (key, value and
   * headers). It is sent without its value and its own headers; the DLQ table in Postgres keeps all.
   */
  originalBytes: 'dedup-original-bytes',
  /** On a DLQ record a replay run sent back through the pipeline (docs/adr/0009): its DLQ record id, */
  replayOf: 'dedup-replay-of',
  /** ... the replay run, */
  replayRun: 'dedup-replay-run',
  /** ... and where the record first arrived, `<topic>/<partition>/<offset>`. */
  replaySource: 'dedup-replay-source',
} as const;
