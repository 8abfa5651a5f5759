import type { DedupWindow, InputEvent, PipelineSemantics } from '@dedup/contracts';
import type { KeyState } from './engine-decision';
import { extractKeys, type MissingKeyField } from './keys';

export interface StrategyStateKey {
  readonly strategy: string;
  readonly stateKey: string;
}

/** The tumbling bucket of an event time: `[bucket * sizeMs, (bucket + 1) * sizeMs)`. */
export function tumblingBucket(eventTime: number, sizeMs: number): number {
  return Math.floor(eventTime / sizeMs);
}

/**
 * The state keys of an event, in strategy order, or the field that is missing. A sliding or session
 * window remembers the key itself; a tumbling window remembers `<key>#<bucket>`, so the same key in
 * another bucket is another state (the bucket number has no `#`, so the last `#` separates it).
 */
export function stateKeysOf(
  event: InputEvent,
  semantics: PipelineSemantics,
): StrategyStateKey[] | MissingKeyField {
  const keys = extractKeys(event, semantics.keys);
  if (!Array.isArray(keys)) return keys;
  const window = semantics.window;
  if (window.kind !== 'tumbling') return keys.map(({ strategy, key }) => ({ strategy, stateKey: key }));
  const bucket = tumblingBucket(event.event_time, window.sizeMs);
  return keys.map(({ strategy, key }) => ({ strategy, stateKey: `${key}#${bucket}` }));
}

/** The expiry of a state claimed by an occurrence at `eventTime` (exclusive, event-time ms). */
export function claimExpiry(eventTime: number, window: DedupWindow): number {
  switch (window.kind) {
    case 'sliding':
      return eventTime + window.sizeMs;
    case 'tumbling':
      return (tumblingBucket(eventTime, window.sizeMs) + 1) * window.sizeMs;
    case 'session':
      return eventTime + window.gapMs;
  }
}

/** An occurrence at `eventTime` is a duplicate of the state's first occurrence. */
export function isInScope(state: KeyState, eventTime: number): boolean {
  return eventTime < state.expiresAt;
}

/**
 * The expiry after an in-scope duplicate at `eventTime`: a session lives `gapMs` past its latest
 * occurrence (never shorter than before: an out-of-order duplicate must not shrink it); sliding and
 * tumbling scopes are fixed by the first occurrence.
 */
export function expiryAfterDuplicate(state: KeyState, eventTime: number, window: DedupWindow): number {
  switch (window.kind) {
    case 'sliding':
    case 'tumbling':
      return state.expiresAt;
    case 'session':
      return Math.max(state.expiresAt, eventTime + window.gapMs);
  }
}

/**
 * True when the state can be deleted without changing any decision: every record that is not late
 * from now on has `event_time >= watermark - allowedLateness >= expiresAt`, so it would be out of
 * the state's scope anyway (and out-of-scope states are replaced, never matched or extended).
 * Pass the pipeline watermark; it never moves backwards, which is what makes this safe.
 */
export function isStateExpired(
  state: KeyState,
  watermark: number | null,
  semantics: Pick<PipelineSemantics, 'allowedLatenessMs'>,
): boolean {
  return watermark !== null && watermark - semantics.allowedLatenessMs >= state.expiresAt;
}
