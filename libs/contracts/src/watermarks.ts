import { z } from 'zod';
import { timeRangeSchema } from './time-range';

/**
 * The Watermarks page (issue 15): per input partition, how far event time has got, how far it trails
 * the wall clock and the log, whether the partition still counts (active) or no longer holds the
 * pipeline watermark back (idle), and which processor instance decides it. Rules: docs/semantics.md.
 */

const iso = z.string();
/** A Kafka offset, as text (offsets are 64-bit). */
const offset = z.string().regex(/^-?\d{1,19}$/);

/**
 * Who consumes the partition. The answering processor knows only its own assignment, so only its
 * own partitions are named; every other partition is `null` ("another instance, or none").
 */
export const partitionOwnerSchema = z.object({
  /** The answering instance: its Kafka client id, host name and process id. */
  instance: z.string(),
  thisInstance: z.boolean(),
});
export type PartitionOwner = z.infer<typeof partitionOwnerSchema>;

export const partitionWatermarkSchema = z.object({
  partition: z.number().int().nonnegative(),
  /** Newest event time observed on the partition − maxOutOfOrdernessMs; null before its first record. */
  watermark: iso.nullable(),
  /** Newest event time observed on the partition. */
  maxEventTime: iso.nullable(),
  /** Wall clock (`now`) − watermark, in ms; null without a watermark. */
  eventTimeLagMs: z.number().nullable(),
  /** Wall-clock time of the last batch that decided a record of the partition ("activity"). */
  lastRecordAt: iso.nullable(),
  /**
   * No record decided for longer than idleTimeoutMs (or never): the partition no longer holds the
   * pipeline watermark back.
   */
  idle: z.boolean(),
  /** `now` − lastRecordAt, in ms, when idle; null when active or never seen. */
  idleForMs: z.number().nullable(),
  /** The highest offset with a recorded decision; null before the first. */
  committedOffset: offset.nullable(),
  /** The partition's high watermark (the offset the next record will get); null when unknown. */
  endOffset: offset.nullable(),
  /** Consumer lag: endOffset − (committedOffset + 1); null when either is unknown. */
  recordsBehind: z.number().int().nonnegative().nullable(),
  /** Null when the answering instance does not consume it (another instance does, or none). */
  owner: partitionOwnerSchema.nullable(),
});
export type PartitionWatermark = z.infer<typeof partitionWatermarkSchema>;

export const watermarksQuerySchema = z.strictObject({
  /** The span of `history`. */
  range: timeRangeSchema.default('1h'),
});
export type WatermarksQuery = z.infer<typeof watermarksQuerySchema>;

/**
 * Watermark lag over time: per step (at least a minute), each partition's largest event-time lag
 * (sample time − watermark) among the per-minute samples every processor takes every 10 s.
 */
export const watermarkHistorySchema = z.object({
  range: timeRangeSchema,
  stepSeconds: z.number().int().positive(),
  /** Partitions with a sample in the range, ascending. */
  partitions: z.array(z.number().int().nonnegative()),
  /** Oldest first, one per step; `lagMs[partition]` is absent when that step has no sample of it. */
  points: z.array(z.object({ t: iso, lagMs: z.record(z.string(), z.number()) })),
});
export type WatermarkHistory = z.infer<typeof watermarkHistorySchema>;

/** `GET /api/watermarks`: the input topic's watermarks, as stored by the batch transactions. */
export const watermarksResponseSchema = z.object({
  pipeline: z.string(),
  /** The input topic. */
  topic: z.string(),
  /** The processor's wall clock when it answered; every lag is relative to it. */
  now: iso,
  maxOutOfOrdernessMs: z.number().int().nonnegative(),
  idleTimeoutMs: z.number().int().nonnegative(),
  /**
   * The stored pipeline watermark (what lateness is judged against). It is recomputed at the start
   * of each batch, not on a timer, so it may trail the partitions' idleness until the next batch.
   */
  pipelineWatermark: iso.nullable(),
  /** The active partition with the lowest watermark: the one holding the pipeline watermark back. */
  heldBackBy: z.number().int().nonnegative().nullable(),
  /** Every partition of the topic in Kafka, and any with a stored watermark, by partition number. */
  partitions: z.array(partitionWatermarkSchema),
  history: watermarkHistorySchema,
});
export type WatermarksResponse = z.infer<typeof watermarksResponseSchema>;
