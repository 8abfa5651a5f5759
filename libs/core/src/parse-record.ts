import { inputEventSchema, type InputEvent } from '@dedup/contracts';
import type { RecordCoordinates } from './coordinates';

/** Why a record could not become an event. The names are stable: they are DLQ and audit values. */
export type InvalidErrorType =
  'empty_record' | 'payload_too_large' | 'invalid_utf8' | 'invalid_json' | 'schema_violation';

export interface ValidRecord {
  readonly kind: 'valid';
  readonly coords: RecordCoordinates;
  readonly event: InputEvent;
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
  return { kind: 'valid', coords, event: result.data };
}
