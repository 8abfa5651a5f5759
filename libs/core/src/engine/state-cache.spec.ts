import { pipelineSemanticsSchema, type InputEvent, type PipelineSemanticsInput } from '@dedup/contracts';
import type { ParsedRecord } from '../parse-record';
import type { KeyState } from './engine-decision';
import { planStateReads, StateCache, statesToRemember } from './state-cache';

const state = (stateKey: string, expiresAt: number, strategy = stateKey.split(':')[0] ?? ''): KeyState => ({
  stateKey,
  strategy,
  origin: { topic: 'raw', partition: 0, offset: '0' },
  eventId: 'x',
  firstEventTime: 0,
  firstSeenAt: 0,
  expiresAt,
});

const TWO_KEYS = [
  { name: 'event_id', kind: 'event_id' as const },
  { name: 'order', kind: 'fields' as const, fields: ['payload.order'] },
];
const semantics = (config: PipelineSemanticsInput = {}) =>
  pipelineSemanticsSchema.parse({ keys: TWO_KEYS, window: { kind: 'sliding', sizeMs: 100 }, ...config });

let offset = 0;
const rec = (id: string, order: string, t: number, event: Partial<InputEvent> = {}): ParsedRecord => ({
  kind: 'valid',
  coords: { topic: 'raw', partition: 0, offset: String(offset++) },
  event: { event_id: id, event_type: 'e', event_time: t, payload: { order }, schema_version: 1, ...event },
});

describe('StateCache', () => {
  it('evicts the least recently used entry beyond its capacity', () => {
    const cache = new StateCache(2);
    cache.remember([state('event_id:a', 10), state('event_id:b', 10)]);
    expect(cache.get('event_id:a')?.stateKey).toBe('event_id:a'); // a is now the most recent
    cache.remember([state('event_id:c', 10)]);
    expect(cache.size).toBe(2);
    expect(cache.get('event_id:b')).toBeUndefined();
    expect(cache.get('event_id:a')).toBeDefined();
    expect(cache.get('event_id:c')).toBeDefined();
    // Remembering a key again replaces its state and makes it the most recent.
    cache.remember([state('event_id:a', 20)]);
    cache.remember([state('event_id:d', 10)]);
    expect(cache.get('event_id:a')?.expiresAt).toBe(20);
    expect(cache.get('event_id:c')).toBeUndefined();
  });

  it('forgets keys, everything, or what the expiry horizon has passed (inclusive)', () => {
    const cache = new StateCache(10);
    cache.remember([state('event_id:a', 10), state('event_id:b', 20), state('event_id:c', 30)]);
    expect(cache.forgetExpired(20)).toBe(2);
    expect(cache.get('event_id:c')).toBeDefined();
    cache.forget(['event_id:c', 'event_id:zzz']);
    expect(cache.size).toBe(0);
    cache.remember([state('event_id:a', 10)]);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('holds nothing with capacity 0, and rejects a bad capacity', () => {
    const cache = new StateCache(0);
    cache.remember([state('event_id:a', 10)]);
    expect(cache.enabled).toBe(false);
    expect(cache.size).toBe(0);
    expect(() => new StateCache(-1)).toThrow(/non-negative integer/);
    expect(() => new StateCache(1.5)).toThrow(/non-negative integer/);
  });
});

describe('planStateReads', () => {
  const cacheWith = (...states: KeyState[]) => {
    const cache = new StateCache(100);
    cache.remember(states);
    return cache;
  };

  it('answers a record whose first key has a cached state in scope, and locks none of its keys', () => {
    const cache = cacheWith(state('event_id:a', 50));
    const plan = planStateReads({
      records: [rec('a', 'o1', 49)],
      semantics: semantics(),
      cache,
      progress: null,
    });
    expect([...plan.cached.keys()]).toEqual(['event_id:a']);
    expect(plan.lockKeys).toEqual([]);
    expect(plan).toMatchObject({ hits: 1, misses: 0 });
  });

  it('locks every key of a record the cache cannot answer', () => {
    const cache = cacheWith(state('event_id:a', 50), state('order:["o2"]', 500));
    const plan = planStateReads({
      records: [
        rec('a', 'o1', 50), // cached, but out of scope (t >= expiresAt)
        rec('b', 'o2', 10), // only its second key is cached: the first strategy decides which matches
        rec('c', 'o3', 10), // nothing cached
      ],
      semantics: semantics(),
      cache,
      progress: null,
    });
    expect(plan.cached.size).toBe(0);
    expect([...plan.lockKeys].sort()).toEqual(
      ['event_id:a', 'event_id:b', 'event_id:c', 'order:["o1"]', 'order:["o2"]', 'order:["o3"]'].sort(),
    );
    expect(plan).toMatchObject({ hits: 0, misses: 3 });
  });

  it('locks a cached key that another record of the batch needs, for every record that has it', () => {
    const cache = cacheWith(state('event_id:a', 50));
    // The second copy of `a` is out of the cached scope (a miss) and needs `event_id:a` from Postgres;
    // the first must see the same version, so it is decided from Postgres too (all its keys locked).
    const plan = planStateReads({
      records: [rec('a', 'o1', 10), rec('a', 'o2', 60), rec('b', 'o3', 10)],
      semantics: semantics(),
      cache,
      progress: null,
    });
    expect(plan.cached.size).toBe(0);
    expect([...plan.lockKeys].sort()).toEqual(
      ['event_id:a', 'event_id:b', 'order:["o1"]', 'order:["o2"]', 'order:["o3"]'].sort(),
    );
    expect(plan).toMatchObject({ hits: 0, misses: 3 });
  });

  it('answers a record although another record needs one of its other keys', () => {
    const cache = cacheWith(state('event_id:a', 50));
    // `order:["o1"]` is locked for the second record; the first is a duplicate by its first key and
    // never reads its second.
    const plan = planStateReads({
      records: [rec('a', 'o1', 10), rec('b', 'o1', 10)],
      semantics: semantics(),
      cache,
      progress: null,
    });
    expect([...plan.cached.keys()]).toEqual(['event_id:a']);
    expect([...plan.lockKeys].sort()).toEqual(['event_id:b', 'order:["o1"]']);
    expect(plan).toMatchObject({ hits: 1, misses: 1 });
  });

  it('never answers session windows, approximate mode, a disabled cache, or a re-delivered offset', () => {
    const cache = cacheWith(state('event_id:a', 50));
    const records = [rec('a', 'o1', 10)];
    for (const s of [
      semantics({ window: { kind: 'session', gapMs: 100 } }),
      semantics({ approximate: { falsePositiveRate: 0.01, expectedKeysPerSecond: 10 } }),
    ]) {
      expect(planStateReads({ records, semantics: s, cache, progress: null })).toMatchObject({
        hits: 0,
        misses: 0,
      });
    }
    expect(
      planStateReads({ records, semantics: semantics(), cache: new StateCache(0), progress: null }),
    ).toMatchObject({ hits: 0, misses: 0 });
    // At or below the recorded progress a record may own its key (rule 2): only the row can tell.
    const at = BigInt(records[0]?.coords.offset ?? '0');
    const plan = planStateReads({ records, semantics: semantics(), cache, progress: at });
    expect(plan).toMatchObject({ hits: 0, misses: 0 });
    expect(plan.lockKeys).toContain('event_id:a');
    expect(planStateReads({ records, semantics: semantics(), cache, progress: at - 1n }).hits).toBe(1);
  });

  it("takes each partition's own progress in a round of several partitions' batches", () => {
    const cache = cacheWith(state('event_id:a', 50), state('event_id:b', 50));
    const onP0 = rec('a', 'o1', 10); // offset n, partition 0
    const onP1: ParsedRecord = { ...rec('b', 'o2', 10), coords: { topic: 'raw', partition: 1, offset: '7' } };
    const progress = new Map<number, bigint>([
      [0, BigInt(onP0.coords.offset)], // re-delivered on partition 0: only the row can tell
      [1, 6n], // fresh on partition 1
    ]);
    const plan = planStateReads({
      records: [onP0, onP1],
      semantics: semantics(),
      cache,
      progress: (partition) => progress.get(partition) ?? null,
    });
    expect(plan).toMatchObject({ hits: 1, misses: 0 });
    expect([...plan.cached.keys()]).toEqual(['event_id:b']);
    expect(plan.lockKeys).toContain('event_id:a');
  });

  it('skips invalid records and records without a key', () => {
    const cache = cacheWith(state('event_id:a', 50));
    const plan = planStateReads({
      records: [
        {
          kind: 'invalid',
          coords: { topic: 'raw', partition: 0, offset: '99' },
          errorType: 'invalid_json',
          reason: 'x',
        },
        rec('a', 'o1', 10, { payload: {} }), // no order: missing_key_field
      ],
      semantics: semantics(),
      cache,
      progress: null,
    });
    expect(plan).toMatchObject({ hits: 0, misses: 0, lockKeys: [] });
  });
});

describe('statesToRemember', () => {
  it('keeps what the batch locked and wrote, first strategy only, not yet expired', () => {
    const locked = new Map([
      ['event_id:a', state('event_id:a', 100)],
      ['event_id:b', state('event_id:b', 100)],
      ['order:["o"]', state('order:["o"]', 100)],
      ['event_id:old', state('event_id:old', 40)],
    ]);
    const changed = new Map([['event_id:b', state('event_id:b', 300)]]);
    // Horizon = watermark - allowedLateness (60 s by default) = 50: `event_id:old` is expired.
    const remembered = statesToRemember({ locked, changed, semantics: semantics(), watermark: 60_050 });
    expect(remembered.map((s) => [s.stateKey, s.expiresAt])).toEqual([
      ['event_id:a', 100],
      ['event_id:b', 300],
    ]);
    expect(
      statesToRemember({
        locked,
        changed,
        semantics: semantics({ window: { kind: 'session', gapMs: 5 } }),
        watermark: 0,
      }),
    ).toEqual([]);
  });
});
