import {
  DEFAULT_PIPELINE_SEMANTICS,
  inputEventSchema,
  type InputEvent,
  type PipelineSemantics,
} from '@dedup/contracts';
import type { RecordCoordinates } from './coordinates';

/**
 * Why a record could not become an event. The names are stable: they are DLQ and audit values.
 * `missing_key_field` is produced by the dedup engine (a composite key field is absent or null),
 * not by `parseRecord`.
 */
export type InvalidErrorType =
  | 'empty_record'
  | 'payload_too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'schema_violation'
  | 'event_time_in_future'
  | 'missing_key_field';

export interface ValidRecord {
  readonly kind: 'valid';
  readonly coords: RecordCoordinates;
  readonly event: InputEvent;
  /**
   * A DLQ record sent back through the pipeline by a replay run (docs/adr/0009). It failed when it
   * first arrived, so its lateness is the DLQ's, not its source's: it is never `late`. A record that
   * would be is windowed at the lateness horizon (`effectiveEventTime`), like the oldest record that
   * is still on time, so its claims outlive the expiry sweep's horizon; with a tumbling window, whose
   * scope is its bucket, a record whose bucket is past the horizon has no state to check or claim
   * and is `unique`. It moves no watermark and no partition's activity. Set by the processor only for
   * a replay it verified.
   */
  readonly replay?: true;
}

export interface InvalidRecord {
  readonly kind: 'invalid';
  readonly coords: RecordCoordinates;
  readonly errorType: InvalidErrorType;
  readonly reason: string;
}

export type ParsedRecord = ValidRecord | InvalidRecord;

export interface ParseOptions {
  /** Records larger than this are poison: a dedup operator must not buffer unbounded payloads. */
  readonly maxPayloadBytes: number;
  /**
   * The largest record the processor can forward (the output topics' limit), and what a record takes
   * besides its value (`otherBytes`: its key, its headers, and room for the headers the processor
   * adds). A record whose value and other bytes exceed it is poison too: its output would be refused
   * by the broker. Unset: no such check.
   */
  readonly maxRecordBytes?: number;
  readonly otherBytes?: number;
  /**
   * Wall-clock ms of the processor. When given, an event more than `maxFutureSkewMs` ahead of it is
   * invalid (`event_time_in_future`): one event from a broken clock would otherwise push the watermark
   * ahead and turn every honest event late.
   */
  readonly now?: number;
  /** Defaults to the pipeline default (5 min); only used together with `now`. */
  readonly maxFutureSkewMs?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns raw record bytes into an event or an invalid record with a reason. Never throws on data:
 * everything a producer can send maps to a value here.
 */
export function parseRecord(
  value: Uint8Array | null,
  coords: RecordCoordinates,
  options: ParseOptions,
): ParsedRecord {
  const invalid = (errorType: InvalidErrorType, reason: string): InvalidRecord => ({
    kind: 'invalid',
    coords,
    errorType,
    reason,
  });
  if (value === null || value.byteLength === 0) {
    return invalid('empty_record', 'record has no value (null or empty)');
  }
  if (value.byteLength > options.maxPayloadBytes) {
    return invalid(
      'payload_too_large',
      `record is ${value.byteLength} bytes, above the limit of ${options.maxPayloadBytes}`,
    );
  }
  const otherBytes = options.otherBytes ?? 0;
  if (options.maxRecordBytes !== undefined && value.byteLength + otherBytes > options.maxRecordBytes) {
    return invalid(
      'payload_too_large',
      `record is ${value.byteLength} bytes and ${otherBytes} more with its key and headers, above the ` +
        `${options.maxRecordBytes}-byte limit of an output record`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return invalid('invalid_utf8', 'record value is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalid('invalid_json', `record value is not JSON: ${(error as Error).message}`);
  }
  const result = inputEventSchema.safeParse(json);
  if (!result.success) {
    const reason = result.error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
      .join('; ');
    return invalid('schema_violation', reason);
  }
  const event = result.data;
  if (options.now !== undefined) {
    const maxSkew = options.maxFutureSkewMs ?? DEFAULT_PIPELINE_SEMANTICS.maxFutureSkewMs;
    const ahead = event.event_time - options.now;
    if (ahead > maxSkew) {
      return invalid(
        'event_time_in_future',
        `event_time ${formatEpochMs(event.event_time)} is ${ahead} ms ahead of the processor clock ` +
          `(at most ${maxSkew} ms allowed)`,
      );
    }
  }
  return { kind: 'valid', coords, event };
}

/**
 * The event time a record is windowed at: its own, or for a replayed DLQ record with a sliding or
 * session window the lateness horizon (`watermark - allowedLateness`) when that is later: the record
 * is judged as the oldest record still on time (see `ValidRecord.replay`).
 */
export function effectiveEventTime(
  record: ValidRecord,
  watermark: number | null,
  semantics: Pick<PipelineSemantics, 'allowedLatenessMs' | 'window'>,
): number {
  const t = record.event.event_time;
  if (record.replay !== true || watermark === null || semantics.window.kind === 'tumbling') return t;
  return Math.max(t, watermark - semantics.allowedLatenessMs);
}

/**
 * A replayed record with a tumbling window whose bucket ends at or before the lateness horizon: its
 * state may already be swept, so it neither reads nor claims any (it is `unique`).
 */
export function replayPastItsWindow(
  record: ValidRecord,
  watermark: number | null,
  semantics: Pick<PipelineSemantics, 'allowedLatenessMs' | 'window'>,
): boolean {
  const window = semantics.window;
  if (record.replay !== true || watermark === null || window.kind !== 'tumbling') return false;
  const bucketEnd = (Math.floor(record.event.event_time / window.sizeMs) + 1) * window.sizeMs;
  return bucketEnd <= watermark - semantics.allowedLatenessMs;
}

/** ISO-8601 when representable; epoch ms up to 2^53 can lie beyond Date's range (±8.64e15 ms). */
function formatEpochMs(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms} (epoch ms)` : date.toISOString();
}
