import type { PipelineSemantics } from '@dedup/contracts';
import {
  effectiveEventTime,
  replayPastItsWindow,
  type ParsedRecord,
  type ValidRecord,
} from '../parse-record';
import type { EngineDecision, KeyState } from './engine-decision';
import { extractKeys } from './keys';

/**
 * TEST ORACLE, not for production: the dedup rules of docs/semantics.md written as directly as
 * possible, to check `decideEventBatch` against. It keeps the full history of decided records and
 * answers every question by recomputing from that history (no incremental state, no deletion of
 * state, quadratic time), so a bug in the engine's bookkeeping (state updates, pruning, watermark
 * carry-over between batches) shows up as a different decision.
 *
 * Shared with the engine: only key extraction (`extractKeys`, specified and tested on its own).
 * Not modelled: the re-delivery rule (a record owning its state key), since every record of a
 * generated stream has distinct coordinates.
 *
 * With `semantics.approximate` set it models approximate mode without hash collisions: the same
 * rules, with every claim's (and session extension's) expiry counted from the end of the generation
 * its event time falls in (docs/semantics.md, "Approximate mode"). Its duplicates still name a first
 * occurrence, which the engine's approximate decisions cannot; compare outcomes and strategies.
 */
export class DedupReferenceModel {
  private readonly entries: HistoryEntry[] = [];

  constructor(private readonly semantics: PipelineSemantics) {}

  /**
   * Decides the next record of the stream, which arrived on `partition` at wall-clock `now`. The
   * watermark it is judged against is the greatest justified so far, including the one the history
   * justifies at `now` (partitions idle at `now` no longer hold it back), not only those computed
   * when earlier records were observed. The engine recomputes at the start of each batch instead;
   * a batch has one wall-clock time, so the two agree.
   */
  decide(record: ParsedRecord, partition: number, now: number): EngineDecision {
    const arrivalWatermark = this.watermarkJustifiedAt(now);
    const watermark = max(this.pipelineWatermark(), arrivalWatermark);
    const decision = this.decideFresh(record, watermark);
    const keys = record.kind === 'valid' ? this.stateKeys(record) : null;
    const entry: HistoryEntry = {
      partition,
      now,
      decision,
      effectiveTime: record.kind === 'valid' ? effectiveEventTime(record, watermark, this.semantics) : null,
      stateKeys: Array.isArray(keys) ? keys.map((k) => k.stateKey) : [],
      arrivalWatermark,
      computedWatermark: null,
    };
    this.entries.push(entry);
    if (decision.outcome === 'unique' || decision.outcome === 'duplicate') {
      entry.computedWatermark = this.watermarkJustifiedAt(now);
    }
    return decision;
  }

  /** The pipeline watermark after every record decided so far (max of all justified watermarks). */
  pipelineWatermark(): number | null {
    let watermark: number | null = null;
    for (const entry of this.entries) {
      watermark = max(watermark, max(entry.arrivalWatermark, entry.computedWatermark));
    }
    return watermark;
  }

  /**
   * The state of a state key after every record decided so far: claimed by the most recent unique
   * record having that state key, expiring at the window's end for that record, which for a session
   * window each later duplicate having the key moves to `t + gap` if it was still in scope then.
   */
  stateOf(stateKey: string): KeyState | undefined {
    let ownerIndex = -1;
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      const decision = this.entries[i]?.decision;
      if (decision?.outcome === 'unique' && decision.stateKeys.includes(stateKey)) {
        ownerIndex = i;
        break;
      }
    }
    const owner = this.entries[ownerIndex];
    if (owner === undefined || owner.decision.outcome !== 'unique') return undefined;
    const t0 = owner.effectiveTime ?? owner.decision.record.event.event_time;
    const window = this.semantics.window;
    // Exact: a scope counts from the event time itself. Approximate: from the end of its generation,
    // a quarter of the sliding window or session gap (tumbling windows are exact in both modes).
    const from = (t: number): number => {
      if (this.semantics.approximate === undefined || window.kind === 'tumbling') return t;
      const generationMs = Math.ceil((window.kind === 'sliding' ? window.sizeMs : window.gapMs) / 4);
      return (Math.floor(t / generationMs) + 1) * generationMs;
    };
    let expiresAt: number;
    switch (window.kind) {
      case 'sliding':
        expiresAt = from(t0) + window.sizeMs;
        break;
      case 'tumbling':
        expiresAt = (Math.floor(t0 / window.sizeMs) + 1) * window.sizeMs;
        break;
      case 'session':
        expiresAt = from(t0) + window.gapMs;
        for (const entry of this.entries.slice(ownerIndex + 1)) {
          if (entry.decision.outcome !== 'duplicate') continue;
          const t = entry.effectiveTime ?? entry.decision.record.event.event_time;
          if (entry.stateKeys.includes(stateKey) && t < expiresAt) {
            expiresAt = Math.max(expiresAt, from(t) + window.gapMs);
          }
        }
        break;
    }
    const strategy = this.semantics.keys.find((s) => stateKey.startsWith(`${s.name}:`))?.name;
    if (strategy === undefined) throw new Error(`reference model: no strategy for ${stateKey}`);
    return {
      stateKey,
      strategy,
      origin: owner.decision.coords,
      eventId: owner.decision.record.event.event_id,
      firstEventTime: t0,
      firstSeenAt: owner.now,
      expiresAt,
    };
  }

  private decideFresh(record: ParsedRecord, watermark: number | null): EngineDecision {
    if (record.kind === 'invalid') {
      return {
        outcome: 'invalid',
        coords: record.coords,
        record,
        errorType: record.errorType,
        reason: record.reason,
      };
    }
    const keys = this.stateKeys(record);
    if (!Array.isArray(keys)) {
      const reason = `key field ${keys.missing} of key strategy '${keys.strategy}' is missing or null`;
      return {
        outcome: 'invalid',
        coords: record.coords,
        record: { kind: 'invalid', coords: record.coords, errorType: 'missing_key_field', reason },
        errorType: 'missing_key_field',
        reason,
        event: record.event,
      };
    }
    if (replayPastItsWindow(record, watermark, this.semantics)) {
      return { outcome: 'unique', coords: record.coords, record, stateKeys: [] };
    }
    const t = effectiveEventTime(record, watermark, this.semantics);
    if (record.replay !== true && watermark !== null && t < watermark - this.semantics.allowedLatenessMs) {
      return { outcome: 'late', coords: record.coords, record, watermark, latenessMs: watermark - t };
    }
    for (const { strategy, stateKey } of keys) {
      const state = this.stateOf(stateKey);
      if (state !== undefined && t < state.expiresAt) {
        return { outcome: 'duplicate', coords: record.coords, record, strategy, stateKey, first: state };
      }
    }
    return { outcome: 'unique', coords: record.coords, record, stateKeys: keys.map((k) => k.stateKey) };
  }

  /** Keys of the record, with the tumbling bucket appended: computed here, not by the engine's code. */
  private stateKeys(
    record: ValidRecord,
  ): { strategy: string; stateKey: string }[] | { missing: string; strategy: string } {
    const keys = extractKeys(record.event, this.semantics.keys);
    if (!Array.isArray(keys)) return keys;
    const window = this.semantics.window;
    return keys.map(({ strategy, key }) => ({
      strategy,
      stateKey:
        window.kind === 'tumbling' ? `${key}#${Math.floor(record.event.event_time / window.sizeMs)}` : key,
    }));
  }

  /**
   * The watermark the observed records justify at wall-clock `now` (those decided so far), recomputed
   * from the whole history: per partition, newest event time minus the
   * out-of-orderness and the latest wall time it was seen; minimum over partitions seen within the
   * idle timeout, or the maximum over all when none was.
   */
  private watermarkJustifiedAt(now: number): number | null {
    const partitions = new Map<number, { maxEventTime: number; lastSeen: number }>();
    for (const entry of this.entries) {
      if (entry.decision.outcome !== 'unique' && entry.decision.outcome !== 'duplicate') continue;
      // Replayed DLQ records neither move watermarks nor make their partition active.
      if (entry.decision.record.replay === true) continue;
      const t = entry.decision.record.event.event_time;
      const seen = partitions.get(entry.partition);
      partitions.set(entry.partition, {
        maxEventTime: Math.max(seen?.maxEventTime ?? -Infinity, t),
        lastSeen: Math.max(seen?.lastSeen ?? -Infinity, entry.now),
      });
    }
    const watermarks = [...partitions.values()].map((p) => ({
      watermark: p.maxEventTime - this.semantics.maxOutOfOrdernessMs,
      active: now - p.lastSeen <= this.semantics.idleTimeoutMs,
    }));
    if (watermarks.length === 0) return null;
    const active = watermarks.filter((w) => w.active).map((w) => w.watermark);
    return active.length > 0 ? Math.min(...active) : Math.max(...watermarks.map((w) => w.watermark));
  }
}

interface HistoryEntry {
  readonly partition: number;
  readonly now: number;
  readonly decision: EngineDecision;
  /** The event time a valid record was windowed at (its own, or a replay's at the watermark). */
  readonly effectiveTime: number | null;
  /** The record's state keys (a memo: a pure function of the record); empty when it has none. */
  readonly stateKeys: readonly string[];
  /** The watermark the history justified at this record's wall-clock time, before deciding it. */
  readonly arrivalWatermark: number | null;
  /** Set for observed (unique or duplicate) records: the watermark justified right after them. */
  computedWatermark: number | null;
}

/** The greater of two watermarks, `null` meaning "none yet". */
function max(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}
