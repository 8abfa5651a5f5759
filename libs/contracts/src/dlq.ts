import { z } from 'zod';

/**
 * DLQ triage (issue 14; docs/dlq.md): the dead-letter records of the pipeline, grouped by a
 * fingerprint of their cause (the error type and its message with quoted text and digits masked),
 * listed with filters, inspected whole, and discarded with a reason. Replay is its own set of routes.
 */

export const DLQ_STATUSES = [
  'open',
  'replaying',
  'replayed',
  'discarded',
  'quarantined',
  'resolved',
] as const;
export type DlqStatus = (typeof DLQ_STATUSES)[number];

const id = z.string().regex(/^\d{1,18}$/, 'an id: a whole number');
export const dlqFingerprintSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a fingerprint: 16 hex characters');
const instant = z.iso.datetime({ offset: true, message: 'an ISO-8601 date-time, e.g. 2026-12-01T00:00:00Z' });

/** One group of records that failed for the same cause. */
export const dlqGroupSchema = z.object({
  fingerprint: z.string(),
  errorType: z.string(),
  /** The normalised message, e.g. `schema_violation: event_time: Invalid input`. */
  cause: z.string(),
  count: z.number().int(),
  firstFailureAt: z.string(),
  lastFailureAt: z.string(),
  /** The newest record of the group, to open as an example. */
  sampleId: z.string(),
  /** The raw message of that record (the cause masks quoted text and numbers). */
  sampleMessage: z.string(),
  sourceTopics: z.array(z.string()),
  /** Records per hour over the last 24 hours, oldest first (24 numbers): the group's sparkline. */
  lastDay: z.array(z.number().int()),
});
export type DlqGroup = z.infer<typeof dlqGroupSchema>;

export const dlqGroupsQuerySchema = z.strictObject({
  status: z.enum(DLQ_STATUSES).default('open'),
});
export type DlqGroupsQuery = z.input<typeof dlqGroupsQuerySchema>;

export const dlqGroupsResponseSchema = z.object({
  status: z.enum(DLQ_STATUSES),
  /** Records in that status, and when the oldest of them first failed (null when none). */
  total: z.number().int(),
  oldestFailureAt: z.string().nullable(),
  /** Largest groups first; at most 200. */
  groups: z.array(dlqGroupSchema),
});
export type DlqGroupsResponse = z.infer<typeof dlqGroupsResponseSchema>;

/** A record in a list: what triage needs to pick it, without its bytes. */
export const dlqRecordSummarySchema = z.object({
  id: z.string(),
  status: z.enum(DLQ_STATUSES),
  fingerprint: z.string(),
  errorType: z.string(),
  errorMessage: z.string(),
  sourceTopic: z.string(),
  sourcePartition: z.number().int(),
  sourceOffset: z.string(),
  attempts: z.number().int(),
  firstFailureAt: z.string(),
  lastFailureAt: z.string(),
  traceId: z.string().nullable(),
  /** The value's first 160 characters as text (U+FFFD for bytes that are not UTF-8); null without one. */
  valuePreview: z.string().nullable(),
  /** Who last changed the status and why (a discard's reason); null while it never changed. */
  statusChangedBy: z.string().nullable(),
  statusReason: z.string().nullable(),
});
export type DlqRecordSummary = z.infer<typeof dlqRecordSummarySchema>;

/** `GET /api/dlq` filters; newest failure first; `cursor` from the previous page's `nextCursor`. */
export const dlqListQuerySchema = z.strictObject({
  status: z.enum(DLQ_STATUSES).optional(),
  fingerprint: dlqFingerprintSchema.optional(),
  errorType: z.string().max(100).optional(),
  sourceTopic: z.string().max(249).optional(),
  sourcePartition: z.coerce.number().int().min(0).max(1_000_000).optional(),
  /** Last failure at or after / before. */
  from: instant.optional(),
  to: instant.optional(),
  /** Text the record's value contains (case-insensitive). */
  q: z.string().min(1).max(200).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'a cursor from a previous page')
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type DlqListQuery = z.input<typeof dlqListQuerySchema>;

export const dlqListResponseSchema = z.object({
  records: z.array(dlqRecordSummarySchema),
  nextCursor: z.string().nullable(),
});
export type DlqListResponse = z.infer<typeof dlqListResponseSchema>;

/** One record whole: its bytes as the producer sent them, and its history. */
export const dlqRecordSchema = dlqRecordSummarySchema.extend({
  cause: z.string(),
  pipeline: z.string(),
  pipelineVersion: z.string(),
  /** The key and value as text when they are UTF-8, else null (then see the base64 fields). */
  key: z.string().nullable(),
  value: z.string().nullable(),
  keyBase64: z.string().nullable(),
  valueBase64: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  /** The field paths the error names (`event_time`, `payload.amount`), for the console to mark. */
  invalidFields: z.array(z.string()),
  statusChangedAt: z.string().nullable(),
});
export type DlqRecord = z.infer<typeof dlqRecordSchema>;

const dlqFilterSchema = dlqListQuerySchema.pick({
  status: true,
  fingerprint: true,
  errorType: true,
  sourceTopic: true,
  sourcePartition: true,
  from: true,
  to: true,
  q: true,
});

/** Listed records, or every record matching a filter (a group is `{ fingerprint }`). */
const selectionOf = <F extends z.ZodType>(filter: F) =>
  z.union([z.strictObject({ ids: z.array(id).min(1).max(1_000) }), z.strictObject({ filter })]);

/**
 * What a DLQ action applies to: listed records, or every record matching a filter (a group is
 * `{ fingerprint }`). Only records in a status the action allows are touched.
 */
export const dlqSelectionSchema = selectionOf(dlqFilterSchema);
export type DlqSelection = z.input<typeof dlqSelectionSchema>;
/** A selection after validation (what the server works with). */
export type DlqSelectionValue = z.output<typeof dlqSelectionSchema>;

/** The statuses a record may be discarded from: never one being replayed or already ended. */
export const DISCARDABLE_DLQ_STATUSES = ['open', 'quarantined'] as const satisfies readonly DlqStatus[];

export function isDiscardableDlqStatus(status: DlqStatus): boolean {
  return (DISCARDABLE_DLQ_STATUSES as readonly DlqStatus[]).includes(status);
}

/**
 * An action's selection: a filter's status must be one the action takes (omitted: open), or the
 * filter would select records the action cannot act on, and the call would do nothing and say
 * nothing about why. A refinement, not a narrower enum: inside the union its message reaches the
 * caller, where a failed enum would read "Invalid input".
 */
const actionSelectionOf = (action: string, statuses: readonly DlqStatus[]) => {
  const allowed = statuses.join(' or ');
  return selectionOf(
    dlqFilterSchema.extend({
      status: z
        .enum(DLQ_STATUSES)
        .refine(
          (status) => statuses.includes(status),
          `${action} takes ${allowed} records only: leave status out (open) or choose ${allowed}`,
        )
        .optional(),
    }),
  );
};

/** `POST /api/dlq/discard`: open or quarantined records become `discarded`, with the reason. */
export const dlqDiscardRequestSchema = z.strictObject({
  selection: actionSelectionOf('a discard', DISCARDABLE_DLQ_STATUSES),
  reason: z.string().trim().min(3, 'say why, in a few words').max(500),
});
export type DlqDiscardRequest = z.input<typeof dlqDiscardRequestSchema>;

export const dlqDiscardResponseSchema = z.object({
  /** Records that were discarded by this call (others in the selection were in another status). */
  discarded: z.number().int(),
});
export type DlqDiscardResponse = z.infer<typeof dlqDiscardResponseSchema>;

/** The field paths a schema_violation message names: `a.b: …; c: …` → [`a.b`, `c`]. */
export function invalidFieldsOf(errorType: string, message: string): string[] {
  if (errorType !== 'schema_violation') return [];
  const fields = message
    .split('; ')
    .map((part) => /^([A-Za-z0-9_.]+): /.exec(part)?.[1])
    .filter((f): f is string => f !== undefined && f !== '(root)');
  return [...new Set(fields)];
}

export const dlqParamsSchema = z.strictObject({ id });

// --- replay (docs/adr/0009) ----------------------------------------------------------------------

export const REPLAY_STATUSES = ['preview', 'running', 'paused', 'completed', 'cancelled'] as const;
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];
export const REPLAY_ACTIONS = ['pause', 'resume', 'cancel'] as const;
export type ReplayAction = (typeof REPLAY_ACTIONS)[number];

/** The statuses a replay takes records from (its ReplayRepository): no other can be replayed. */
export const REPLAYABLE_DLQ_STATUSES = ['open', 'quarantined'] as const satisfies readonly DlqStatus[];

export function isReplayableDlqStatus(status: DlqStatus): boolean {
  return (REPLAYABLE_DLQ_STATUSES as readonly DlqStatus[]).includes(status);
}

/** A replay's selection: a filter's status must be one a replay takes (omitted: open). */
const replaySelectionSchema = actionSelectionOf('a replay', REPLAYABLE_DLQ_STATUSES);

/** `POST /api/dlq/replays/preview`: a dry run. Open or quarantined records only. */
export const replayPreviewRequestSchema = z.strictObject({
  selection: replaySelectionSchema,
  /** Records per second per processor instance; omitted: REPLAY_DEFAULT_RATE. */
  maxPerSecond: z.number().int().min(1).max(100_000).optional(),
  reason: z.string().trim().max(500).optional(),
});
export type ReplayPreviewRequest = z.input<typeof replayPreviewRequestSchema>;

export const replayPreviewSchema = z.object({
  /** Start exactly this set with `POST /api/dlq/replays { token }` before `expiresAt`. */
  token: z.string(),
  /** The exact number of records the run will replay. */
  count: z.number().int(),
  /** The first records of the set (at most 5). */
  sample: z.array(dlqRecordSummarySchema),
  /** The scope in words, for the confirmation ("12 open records of cause …"). */
  scope: z.string(),
  maxPerSecond: z.number().int(),
  /** At the rate cap, on one instance. */
  estimatedSeconds: z.number().int(),
  expiresAt: z.string(),
});
export type ReplayPreview = z.infer<typeof replayPreviewSchema>;

export const replayStartRequestSchema = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'the token of a preview'),
});
export type ReplayStartRequest = z.input<typeof replayStartRequestSchema>;

export const replayRunSchema = z.object({
  id: z.string(),
  status: z.enum(REPLAY_STATUSES),
  scope: z.string(),
  reason: z.string().nullable(),
  total: z.number().int(),
  /** Produced back to the input topic. */
  published: z.number().int(),
  /** Decided by the pipeline (the sum of `outcomes`). */
  decided: z.number().int(),
  /** The first decision of each record, by outcome; invalid/failed ones are back in the DLQ. */
  outcomes: z.object({
    unique: z.number().int(),
    duplicate: z.number().int(),
    late: z.number().int(),
    invalid: z.number().int(),
    failed: z.number().int(),
  }),
  /** Of those that failed again, how many reached the attempt limit and were quarantined. */
  quarantined: z.number().int(),
  maxPerSecond: z.number().int(),
  /** 0…1, by decided records. */
  progress: z.number(),
  /** Records published in the last 10 s, per second. */
  rate: z.number(),
  etaSeconds: z.number().int().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  startedBy: z.string().nullable(),
  startedAt: z.string().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ReplayRun = z.infer<typeof replayRunSchema>;

export const replayListResponseSchema = z.object({ runs: z.array(replayRunSchema) });
export type ReplayListResponse = z.infer<typeof replayListResponseSchema>;
export const replayParamsSchema = z.strictObject({ id });
