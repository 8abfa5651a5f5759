import { Random } from './random';

/**
 * What the chaos generator sends, each record with the outcome it must get whatever happens to the
 * processors (docs/exactly-once.md, "Ground truth"):
 *
 * - `unique`: a new event id; `copy`: a re-send of an earlier `unique` (same bytes under the same or
 *   another key, so on the same or another partition; or the same event with a changed payload field).
 *   Of all records carrying one event id, exactly one is emitted to the output topic and every other
 *   one goes to the duplicates topic; which copy wins depends on the interleaving, not the counts.
 * - `late` / `late-copy`: event times an hour behind every other event: always late once the pipeline
 *   has a watermark, and the generator sends none before it has one.
 * - poison: invalid JSON, invalid UTF-8, schema violations, an event time a day ahead (invalid), and
 *   an event id holding U+0000, which validates but Postgres text cannot store (failed).
 */
export type RecordKind =
  | 'unique'
  | 'copy'
  | 'late'
  | 'late-copy'
  | 'bad-json'
  | 'bad-utf8'
  | 'no-id'
  | 'bad-time'
  | 'future'
  | 'nul-id';

export type ExpectedOutcome =
  | { readonly outcome: 'unique-or-duplicate' }
  | { readonly outcome: 'late' }
  | { readonly outcome: 'invalid' | 'failed'; readonly errorType: string };

export const EXPECTED: Readonly<Record<RecordKind, ExpectedOutcome>> = {
  unique: { outcome: 'unique-or-duplicate' },
  copy: { outcome: 'unique-or-duplicate' },
  late: { outcome: 'late' },
  'late-copy': { outcome: 'late' },
  'bad-json': { outcome: 'invalid', errorType: 'invalid_json' },
  'bad-utf8': { outcome: 'invalid', errorType: 'invalid_utf8' },
  'no-id': { outcome: 'invalid', errorType: 'schema_violation' },
  'bad-time': { outcome: 'invalid', errorType: 'schema_violation' },
  future: { outcome: 'invalid', errorType: 'event_time_in_future' },
  'nul-id': { outcome: 'failed', errorType: 'processing_failed' },
};

export interface PlannedRecord {
  /** Position in the stream; travels as the `chaos-seq` header into every output record. */
  readonly seq: number;
  readonly kind: RecordKind;
  readonly key: string;
  readonly value: Buffer;
  /** The event id as the processor reads it; null when the record has none (or it cannot be read). */
  readonly eventId: string | null;
}

export interface LoadOptions {
  readonly seed: number;
  /** Number of records to send. */
  readonly records: number;
  /** Event time of the first unique event (epoch ms). */
  readonly baseTime: number;
  /** Event times of unique events grow from baseTime by up to this much over the stream. */
  readonly spanMs: number;
  /** Wall clock at planning time (for the `future` records). */
  readonly now: number;
}

/** Share of each kind (the rest is `unique`); late records only after the first 10 % of the stream. */
const MIX = { copy: 0.15, late: 0.04, poison: 0.03, nul: 0.002 } as const;
type PoisonKind = Extract<RecordKind, 'bad-json' | 'bad-utf8' | 'no-id' | 'bad-time' | 'future'>;
const POISON_KINDS: readonly PoisonKind[] = ['bad-json', 'bad-utf8', 'no-id', 'bad-time', 'future'];
export const LATE_BEHIND_MS = 3_600_000;
/** Unique events are out of order by up to this much (less than the pipeline's maxOutOfOrdernessMs). */
export const JITTER_MS = 2_000;

interface Event {
  event_id: string;
  event_type: string;
  event_time: number | string;
  source: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  schema_version: number;
}

/** The whole stream, deterministic for a seed (given the same times). */
export function planLoad(opts: LoadOptions): PlannedRecord[] {
  const random = Random.stream(opts.seed, 'load');
  const n = opts.records;
  const out: PlannedRecord[] = [];
  const uniques: { key: string; event: Event }[] = [];
  const lates: { key: string; value: Buffer; eventId: string }[] = [];
  const types = ['order.created', 'order.paid', 'order.shipped', 'cart.updated'];
  const nulAt = new Set<number>();
  const nulCount = Math.max(2, Math.round(n * MIX.nul));
  while (nulAt.size < nulCount) nulAt.add(Math.floor(n * 0.05) + random.int(Math.floor(n * 0.9)));

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const newEvent = (seq: number): Event => ({
    event_id: `chaos-${opts.seed}-${seq}`,
    event_type: random.pick(types),
    event_time: opts.baseTime + Math.floor((seq * opts.spanMs) / n) + random.int(JITTER_MS),
    source: 'chaos',
    aggregate_id: `agg-${random.int(64)}`,
    payload: { order_id: `order-${opts.seed}-${seq}`, amount: random.int(100_000) / 100, currency: 'EUR' },
    schema_version: 1,
  });

  for (let seq = 0; seq < n; seq++) {
    const add = (kind: RecordKind, key: string, value: Buffer, eventId: string | null) =>
      out.push({ seq, kind, key, value, eventId });
    if (nulAt.has(seq)) {
      const event = newEvent(seq);
      event.event_id = `chaos-${opts.seed}-${seq}-nul\u0000`;
      add('nul-id', `poison-${seq}`, json(event), event.event_id);
      continue;
    }
    const roll = random.next();
    if (roll < MIX.poison) {
      const kind = random.pick(POISON_KINDS);
      const event = newEvent(seq);
      const key = `poison-${seq}`;
      switch (kind) {
        case 'bad-json':
          add(kind, key, Buffer.from(`{"event_id": "chaos-${opts.seed}-${seq}", "event_type": "tru`), null);
          break;
        case 'bad-utf8':
          add(
            kind,
            key,
            Buffer.concat([
              Buffer.from(`{"event_id":"chaos-${seq}-`),
              Buffer.from([0xc3, 0x28]),
              Buffer.from('"}'),
            ]),
            null,
          );
          break;
        case 'no-id': {
          const { event_id: _omitted, ...rest } = event;
          add(kind, key, json(rest), null);
          break;
        }
        case 'bad-time':
          add(kind, key, json({ ...event, event_time: 'last tuesday' }), null);
          break;
        case 'future':
          add(kind, key, json({ ...event, event_time: opts.now + 86_400_000 }), event.event_id);
      }
      continue;
    }
    if (roll < MIX.poison + MIX.late && seq >= n * 0.1) {
      const earlier = lates.length > 0 && random.chance(0.25) ? random.pick(lates) : undefined;
      if (earlier !== undefined) {
        const key = random.chance(0.5) ? earlier.key : `resend-${random.int(1_000_000)}`;
        add('late-copy', key, earlier.value, earlier.eventId);
      } else {
        const event = newEvent(seq);
        event.event_id = `chaos-${opts.seed}-${seq}-late`;
        event.event_time = opts.baseTime - LATE_BEHIND_MS - random.int(600_000);
        const key = event.aggregate_id;
        const value = json(event);
        lates.push({ key, value, eventId: event.event_id });
        add('late', key, value, event.event_id);
      }
      continue;
    }
    if (roll < MIX.poison + MIX.late + MIX.copy && uniques.length > 0) {
      const original = uniques[Math.max(0, uniques.length - 1 - random.int(300))];
      if (original !== undefined) {
        const variant = random.next();
        const otherKey = `resend-${random.int(1_000_000)}`;
        if (variant < 0.55) add('copy', otherKey, json(original.event), original.event.event_id);
        else if (variant < 0.8) add('copy', original.key, json(original.event), original.event.event_id);
        else {
          // The same event re-sent with a changed field: still the same event id, so a duplicate.
          const changed = { ...original.event, payload: { ...original.event.payload, retry: seq } };
          add('copy', otherKey, json(changed), original.event.event_id);
        }
        continue;
      }
    }
    const event = newEvent(seq);
    uniques.push({ key: event.aggregate_id, event });
    add('unique', event.aggregate_id, json(event), event.event_id);
  }
  return out;
}

export function isLate(kind: RecordKind): boolean {
  return kind === 'late' || kind === 'late-copy';
}
