import type { PipelineSemantics } from '@dedup/contracts';
import type { ParsedRecord } from '../parse-record';
import { isInScope, stateKeysOf } from './dedup-window';
import type { KeyState } from './engine-decision';

/**
 * A bounded, least-recently-used map of **committed** key states, in front of Postgres. It answers
 * the common repeat duplicate (a producer retry, a re-delivery upstream) without locking and reading
 * the key's row. Postgres stays the arbiter: the cache never decides a record `unique` and never
 * changes a state; what it may answer, and why that is safe, is `planStateReads` below.
 *
 * Holds only states of the first key strategy (the only ones `planStateReads` looks up). Capacity 0
 * disables it.
 */
export class StateCache {
  /** Insertion order is recency order: a hit moves the entry to the end, eviction takes the front. */
  private readonly entries = new Map<string, KeyState>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new Error(`StateCache: capacity must be a non-negative integer, got ${capacity}`);
    }
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached state of a key, which becomes the most recently used. */
  get(stateKey: string): KeyState | undefined {
    const state = this.entries.get(stateKey);
    if (state !== undefined) {
      this.entries.delete(stateKey);
      this.entries.set(stateKey, state);
    }
    return state;
  }

  /**
   * Remembers states **after the transaction that read (under its row lock) or wrote them has
   * committed**: a state from a transaction that rolled back may never have existed.
   */
  remember(states: Iterable<KeyState>): void {
    if (this.capacity === 0) return;
    for (const state of states) {
      this.entries.delete(state.stateKey);
      this.entries.set(state.stateKey, state);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(key);
    }
  }

  forget(stateKeys: Iterable<string>): void {
    for (const key of stateKeys) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * Drops the states the expiry sweep may delete (`expiresAt <= horizon`, the horizon being the
   * watermark minus the allowed lateness): no record that is still decided falls in their scope, so
   * they only take room. Returns how many were dropped.
   */
  forgetExpired(horizon: number): number {
    let dropped = 0;
    for (const [key, state] of this.entries) {
      if (state.expiresAt <= horizon) {
        this.entries.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }
}

/** Which states of a batch come from Postgres (locked) and which from the cache. */
export interface StateReadPlan {
  /** State keys to lock and load from Postgres, as before the cache existed. */
  readonly lockKeys: readonly string[];
  /** Committed states answered by the cache; their rows are neither locked nor read. */
  readonly cached: ReadonlyMap<string, KeyState>;
  /** Records whose first key was looked up and answered from the cache (their lock skipped). */
  readonly hits: number;
  /** Records whose first key was looked up and not answered from the cache. */
  readonly misses: number;
}

/**
 * Decides which state keys of a batch may be answered from the cache instead of being locked and
 * read in Postgres. The rule, and why it can never change an outcome (docs/adr/0003, "State cache"):
 *
 * A record is **answered from the cache** when the window is sliding or tumbling, its offset is above
 * the partition's recorded progress, and its *first* key (in strategy order) has a cached state whose
 * scope contains the record's event time (`t < expiresAt`); and no record of the batch that is not
 * answered from the cache has that key among its keys. Then:
 *
 * - Exact mode decides that record `duplicate` of that state, or `late` (lateness depends only on the
 *   watermark, read after this plan). Sliding and tumbling duplicates change no state, so the key is
 *   only read, never written; the other keys of the record are not needed (the first key wins).
 * - The cached state was committed. Since then the row can only have been (a) left alone, (b) replaced
 *   by a claim of a record at `t' >= expiresAt` (sliding; a tumbling state key is one bucket, whose
 *   every record is in scope, so it is never replaced), whose scope `t' + size` also contains `t`, or
 *   (c) deleted by the expiry sweep, which needs `watermark - allowedLateness >= expiresAt > t`: the
 *   watermark is read after the cache, never goes back, so the record is then `late`. Re-claimed after
 *   deletion, a row has a scope containing `t` too. In every case Postgres would also say duplicate
 *   (or late): the outcome and the matched strategy are the same; only the first occurrence named may
 *   be the earlier of two claims that both contain `t`, and only when another transaction re-claimed
 *   the key meanwhile (within one processor the cache is written through on every commit).
 * - A record at or below the progress may own a key (rule 2, the re-delivery safety net), which only
 *   the row can tell: such records are never answered from the cache.
 *
 * Session windows are never answered from the cache: almost every session duplicate extends the
 * state, which is a write that needs the row lock.
 */
export function planStateReads(input: {
  /** The records the engine will decide (not the re-emitted ones), in offset order. */
  readonly records: readonly ParsedRecord[];
  readonly semantics: PipelineSemantics;
  readonly cache: StateCache;
  /**
   * The highest offset with a recorded decision (read under the partition's lock): of the one
   * partition the records are from, or per partition (a round of several partitions' batches).
   */
  readonly progress: bigint | null | ((partition: number) => bigint | null);
}): StateReadPlan {
  const { records, semantics, cache } = input;
  const progressOf =
    typeof input.progress === 'function' ? input.progress : () => input.progress as bigint | null;
  const usable = cache.enabled && semantics.approximate === undefined && semantics.window.kind !== 'session';
  const candidates = new Map<string, KeyState>();
  const answered: { firstKey: string; keys: readonly string[] }[] = [];
  const needed = new Set<string>();
  let lookups = 0;
  for (const record of records) {
    if (record.kind !== 'valid') continue;
    const keys = stateKeysOf(record.event, semantics);
    if (!Array.isArray(keys)) continue;
    const firstKey = keys[0]?.stateKey;
    // A replayed DLQ record is windowed at the watermark (effectiveEventTime), which is not known
    // here: it is always read from Postgres.
    const cacheable = usable && record.replay !== true;
    const progress = cacheable && firstKey !== undefined ? progressOf(record.coords.partition) : null;
    if (
      cacheable &&
      firstKey !== undefined &&
      (progress === null || BigInt(record.coords.offset) > progress)
    ) {
      lookups += 1;
      const state = cache.get(firstKey);
      if (state !== undefined && isInScope(state, record.event.event_time)) {
        candidates.set(firstKey, state);
        answered.push({ firstKey, keys: keys.map((k) => k.stateKey) });
        continue;
      }
    }
    for (const { stateKey } of keys) needed.add(stateKey);
  }
  // A key some other record needs from Postgres is locked and read for every record that has it:
  // within one batch a key is seen in one version only. Such a record is then decided from Postgres
  // like any other, so all its keys are needed, which may take the first key of another: repeat
  // until nothing changes.
  let pending = answered;
  for (let changed = true; changed;) {
    changed = false;
    const kept: typeof answered = [];
    for (const entry of pending) {
      if (needed.has(entry.firstKey)) {
        for (const key of entry.keys) needed.add(key);
        changed = true;
      } else {
        kept.push(entry);
      }
    }
    pending = kept;
  }
  const cached = new Map<string, KeyState>();
  for (const { firstKey } of pending) {
    const state = candidates.get(firstKey);
    if (state !== undefined) cached.set(firstKey, state);
  }
  return { lockKeys: [...needed], cached, hits: pending.length, misses: lookups - pending.length };
}

/**
 * What a committed batch teaches the cache: the states it read under their row locks (unchanged until
 * the commit, which released the locks) and the states it wrote. Only the first strategy's (the only
 * ones looked up), only for sliding and tumbling windows, and none the watermark has expired already.
 */
export function statesToRemember(input: {
  readonly locked: ReadonlyMap<string, KeyState>;
  readonly changed: ReadonlyMap<string, KeyState>;
  readonly semantics: PipelineSemantics;
  /** The pipeline watermark after the batch. */
  readonly watermark: number | null;
}): KeyState[] {
  const { locked, changed, semantics, watermark } = input;
  if (semantics.approximate !== undefined || semantics.window.kind === 'session') return [];
  const firstStrategy = semantics.keys[0]?.name;
  const horizon = watermark === null ? null : watermark - semantics.allowedLatenessMs;
  const remember: KeyState[] = [];
  const consider = (state: KeyState) => {
    if (state.strategy !== firstStrategy) return;
    if (horizon !== null && state.expiresAt <= horizon) return;
    remember.push(state);
  };
  for (const [key, state] of locked) if (!changed.has(key)) consider(state);
  for (const state of changed.values()) consider(state);
  return remember;
}
