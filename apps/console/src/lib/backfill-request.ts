import { createBackfillRequestSchema, type CreateBackfillRequest } from '@dedup/contracts';

/*
 * The create-backfill form's state (strings, as the inputs hold them) and the request built from it.
 * Pure, so the rules are unit-tested; the processor validates again and has the last word.
 */

export type RangeKind = 'time' | 'offsets';

export interface PartitionRow {
  /** Stable React key; not sent. */
  readonly id: number;
  readonly partition: string;
  /** Inclusive. */
  readonly start: string;
  /** Exclusive. */
  readonly end: string;
}

export interface BackfillFormState {
  readonly sourceTopic: string;
  readonly targetTopic: string;
  readonly rangeKind: RangeKind;
  /** `<input type="datetime-local">` values, in the operator's time zone; '' = unbounded. */
  readonly from: string;
  readonly to: string;
  readonly partitions: readonly PartitionRow[];
  readonly maxEventsPerSecond: string;
  readonly reason: string;
}

export const EMPTY_FORM: BackfillFormState = {
  sourceTopic: '',
  targetTopic: '',
  rangeKind: 'time',
  from: '',
  to: '',
  partitions: [{ id: 0, partition: '0', start: '', end: '' }],
  maxEventsPerSecond: '',
  reason: '',
};

export function addPartitionRow(form: BackfillFormState): BackfillFormState {
  const nextId = Math.max(-1, ...form.partitions.map((row) => row.id)) + 1;
  const used = new Set(form.partitions.map((row) => row.partition.trim()));
  let partition = 0;
  while (used.has(String(partition))) partition += 1;
  return {
    ...form,
    partitions: [...form.partitions, { id: nextId, partition: String(partition), start: '', end: '' }],
  };
}

export function removePartitionRow(form: BackfillFormState, id: number): BackfillFormState {
  return { ...form, partitions: form.partitions.filter((row) => row.id !== id) };
}

/**
 * Field errors, keyed by the request path they belong to: `targetTopic`, `range.from`,
 * `range.partitions`, `range.partitions.1.end`, `maxEventsPerSecond`, …; `form` for the rest.
 */
export type FieldErrors = Readonly<Record<string, string>>;

export type BuiltRequest =
  | { readonly ok: true; readonly request: CreateBackfillRequest }
  | { readonly ok: false; readonly errors: FieldErrors };

/** A `datetime-local` value read in the browser's time zone, as an ISO-8601 instant; null if unreadable. */
export function localInputToIso(value: string): string | null {
  // Date-time forms without an offset are local time (ECMA-262 Date.parse); the input sends no offset.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** "UTC+02:00" for the zone the datetime inputs are read in. */
export function utcOffsetLabel(at: Date): string {
  const minutes = -at.getTimezoneOffset();
  const sign = minutes < 0 ? '−' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const WHOLE = /^\d+$/;

/**
 * The request the form describes, or what is wrong with it. Empty optional fields are left out so the
 * processor applies its defaults (source = pipeline input, rate = its default limit).
 */
export function buildCreateRequest(
  form: BackfillFormState,
  toIso: (local: string) => string | null = localInputToIso,
): BuiltRequest {
  const errors: Record<string, string> = {};
  const raw: Record<string, unknown> = { targetTopic: form.targetTopic.trim() };
  if (raw['targetTopic'] === '') errors['targetTopic'] = 'Required: the topic the unique events go to';

  const source = form.sourceTopic.trim();
  if (source !== '') raw['sourceTopic'] = source;

  switch (form.rangeKind) {
    case 'time': {
      const range: Record<string, string> = { kind: 'time' };
      for (const side of ['from', 'to'] as const) {
        const value = form[side].trim();
        if (value === '') continue;
        const iso = toIso(value);
        if (iso === null) errors[`range.${side}`] = 'Enter a date and time, or leave it empty';
        else range[side] = iso;
      }
      if (range['from'] !== undefined && range['to'] !== undefined && range['from'] >= range['to']) {
        errors['range.to'] = 'Must be after From';
      }
      raw['range'] = range;
      break;
    }
    case 'offsets': {
      const seen = new Set<number>();
      const partitions = form.partitions.map((row, i) => {
        const key = `range.partitions.${i}`;
        const partitionText = row.partition.trim();
        const start = row.start.trim();
        const end = row.end.trim();
        let partition: number | string = partitionText;
        if (!WHOLE.test(partitionText) || !Number.isSafeInteger(Number(partitionText))) {
          errors[`${key}.partition`] = 'A partition number (0, 1, …)';
        } else {
          partition = Number(partitionText);
          if (seen.has(partition)) errors[`${key}.partition`] = `Partition ${partition} is listed twice`;
          seen.add(partition);
        }
        if (start === '') errors[`${key}.start`] = 'Required';
        if (end === '') errors[`${key}.end`] = 'Required';
        if (WHOLE.test(start) && WHOLE.test(end) && BigInt(end) < BigInt(start)) {
          errors[`${key}.end`] = 'Must not be before the start offset';
        }
        return { partition, start, end };
      });
      raw['range'] = { kind: 'offsets', partitions };
      break;
    }
  }

  const rate = form.maxEventsPerSecond.trim();
  if (rate !== '') {
    if (WHOLE.test(rate)) raw['maxEventsPerSecond'] = Number(rate);
    else errors['maxEventsPerSecond'] = 'A whole number of events per second, or leave it empty';
  }

  const reason = form.reason.trim();
  if (reason !== '') raw['reason'] = reason;

  // The contract's own rules (topic names, limits, offsets as digits) for everything not caught above.
  const parsed = createBackfillRequestSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.length === 0 ? 'form' : issue.path.map(String).join('.');
      errors[key] ??= sentenceCase(issue.message);
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, request: parsed.data };
}

/** zod's messages start lower-case ("a Kafka topic name: …"); next to a field they read as a sentence. */
function sentenceCase(message: string): string {
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}`;
}
