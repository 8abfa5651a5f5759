import { z } from 'zod';

/**
 * The dedup semantics of one pipeline: which keys identify "the same event", for how long (in event
 * time) a key is remembered, and how the watermark and lateness are computed. docs/semantics.md
 * explains every field to users; the pure engine in `@dedup/core` implements it.
 *
 * Objects are strict: a misspelt option (`allowedLatencyMs`) is a config error at boot, not a
 * silently ignored setting that changes what counts as a duplicate.
 */

/**
 * A strategy name is the namespace of its keys (`<name>:<key>`), so it must not contain `:` or `#`
 * (the tumbling bucket separator) and should read well as an audit value and metric label.
 */
const strategyNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'name must be a lower-case id: a-z, then a-z, 0-9 or _ (max 63)');

/** A dot path into the event (`payload.order_id`, `payload.items.0.sku`): non-empty segments. */
const fieldPathSchema = z
  .string()
  .regex(/^[^.]+(\.[^.]+)*$/, 'field must be a dot path with non-empty segments, e.g. payload.order_id');

const fieldListSchema = z
  .array(fieldPathSchema)
  .min(1, 'fields must name at least one field')
  .refine((fields) => new Set(fields).size === fields.length, 'fields must not repeat a path');

export const keyStrategySchema = z.discriminatedUnion('kind', [
  z.strictObject({ name: strategyNameSchema, kind: z.literal('event_id') }),
  /** A composite key: the values of the named fields, in the configured order. */
  z.strictObject({ name: strategyNameSchema, kind: z.literal('fields'), fields: fieldListSchema }),
  /** SHA-256 of the canonical JSON of the named fields (order of the list does not matter). */
  z.strictObject({ name: strategyNameSchema, kind: z.literal('content_hash'), fields: fieldListSchema }),
]);
export type KeyStrategy = z.output<typeof keyStrategySchema>;
export type KeyStrategyKind = KeyStrategy['kind'];

const positiveMs = z.number().int().positive();
const nonNegativeMs = z.number().int().nonnegative();

/** The dedup window, in event-time milliseconds. */
export const dedupWindowSchema = z.discriminatedUnion('kind', [
  /** A key is remembered for `sizeMs` after the event time of its first occurrence. */
  z.strictObject({ kind: z.literal('sliding'), sizeMs: positiveMs }),
  /** A key is remembered until the end of the fixed bucket `[n * sizeMs, (n + 1) * sizeMs)` it fell in. */
  z.strictObject({ kind: z.literal('tumbling'), sizeMs: positiveMs }),
  /** A key is remembered for `gapMs` after its latest in-scope occurrence (duplicates extend it). */
  z.strictObject({ kind: z.literal('session'), gapMs: positiveMs }),
]);
export type DedupWindow = z.output<typeof dedupWindowSchema>;

const ONE_HOUR_MS = 3_600_000;

/**
 * Approximate mode: Bloom filters per window generation instead of one exact state per key. A filter
 * must be sized before the keys arrive, so both numbers are required: there is no safe default for a
 * key rate, and a filter holding more keys than it was sized for exceeds its false-positive rate.
 */
export const approximateModeSchema = z.strictObject({
  /** Target probability that a record that is not a duplicate is called one (hash collisions only). */
  falsePositiveRate: z
    .number()
    .gte(0.000001, 'falsePositiveRate must be at least 0.000001')
    .lte(0.1, 'falsePositiveRate must be at most 0.1'),
  /** Distinct keys per second of event time, summed over all key strategies: sizes the filters. */
  expectedKeysPerSecond: z
    .number({
      error: (issue) =>
        issue.input === undefined
          ? 'expectedKeysPerSecond is required: the filters are sized for it (keys per second)'
          : 'expectedKeysPerSecond must be a number (keys per second)',
    })
    .positive('expectedKeysPerSecond must be greater than 0')
    .lte(10_000_000, 'expectedKeysPerSecond must be at most 10000000'),
});
export type ApproximateMode = z.output<typeof approximateModeSchema>;

export const pipelineSemanticsSchema = z
  .strictObject({
    keys: z
      .array(keyStrategySchema)
      .min(1, 'keys must name at least one key strategy')
      .default(() => [{ name: 'event_id', kind: 'event_id' as const }]),
    window: dedupWindowSchema.default(() => ({ kind: 'sliding' as const, sizeMs: ONE_HOUR_MS })),
    /** How far behind the newest event time of a partition its watermark trails. */
    maxOutOfOrdernessMs: nonNegativeMs.default(5_000),
    /** How far behind the pipeline watermark an event may still be processed normally. */
    allowedLatenessMs: nonNegativeMs.default(60_000),
    /** A partition without records for longer than this (wall clock) stops holding the watermark back. */
    idleTimeoutMs: nonNegativeMs.default(30_000),
    /** An event whose time is further ahead of the wall clock than this is invalid (a broken clock). */
    maxFutureSkewMs: nonNegativeMs.default(300_000),
    /** Bloom-filter mode (docs/semantics.md, "Approximate mode"); detection is exact while absent. */
    approximate: approximateModeSchema.optional(),
  })
  .superRefine((semantics, ctx) => {
    // Strategy names are key namespaces and audit values: two strategies with one name would share
    // keys and make "which strategy matched" ambiguous.
    const seen = new Set<string>();
    semantics.keys.forEach((strategy, index) => {
      if (seen.has(strategy.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['keys', index, 'name'],
          message: `key strategy name '${strategy.name}' is used more than once`,
        });
      }
      seen.add(strategy.name);
    });
  });

export type PipelineSemantics = z.output<typeof pipelineSemanticsSchema>;
/** What a config file may contain: every field has a default. */
export type PipelineSemanticsInput = z.input<typeof pipelineSemanticsSchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** Exact dedup on `event_id`, a one-hour sliding window, 5 s out-of-orderness, 1 min allowed lateness. */
export const DEFAULT_PIPELINE_SEMANTICS: PipelineSemantics = deepFreeze(pipelineSemanticsSchema.parse({}));
