import { hash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  bloomProbesOf,
  decideEventBatch,
  planStateReads,
  StateCache,
  statesToRemember,
  type DecideBatchOutput,
  type KeyState,
  type ParsedRecord,
  type StateReadPlan,
  type WatermarkSnapshot,
} from '@dedup/core';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import {
  ClaimConflict,
  DedupRepository,
  coordKey,
  type BatchTransaction,
  type RawRecord,
} from '../dedup.repository';
import { judgedAgainst, toDecisionRecord, type DecisionRecord } from './decision-record';
import {
  copyDecision,
  planReplays,
  replayOutcomeRows,
  replayRefOf,
  type ReplayOutcomeRow,
  type ReplayRef,
} from './replay-records';

/** What the batch transaction needs to know about a consumed record. */
export interface DecidableRecord {
  readonly parsed: ParsedRecord;
  readonly raw: RawRecord;
  readonly trace: { readonly traceId: string | null };
}

export interface Decided {
  readonly decisions: DecisionRecord[];
  /**
   * The watermarks after the batch, and the pipeline watermark its first record was judged against
   * (the stored one advanced past partitions idle by then: the engine's `watermarkAtStart`), for
   * lateness.
   */
  readonly watermarks: WatermarkSnapshot | undefined;
  readonly watermarkBefore: number | null;
}

/** What one attempt of the transaction read and wrote, for the cache once it has committed. */
interface Attempt {
  plan?: StateReadPlan;
  locked?: ReadonlyMap<string, KeyState>;
  out?: DecideBatchOutput;
}

/**
 * The Postgres half of a batch (docs/adr/0003): ONE transaction that re-reads the recorded decisions
 * of re-delivered records, locks and loads key state (exact mode: claims, some answered by the state
 * cache; approximate mode: Bloom stripes), decides with the pure engine, and writes state,
 * watermarks, audit rows, DLQ rows, rollups and progress. Nothing here knows Kafka.
 */
@Injectable()
export class BatchDecider {
  private readonly log: JsonLogger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DedupRepository) private readonly repository: DedupRepository,
    @Inject(StateCache) private readonly cache: StateCache,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'batch-decider', pipeline: config.pipeline.name });
  }

  /** One Postgres transaction; returns one decision per record, in offset order. */
  async decideAndPersist(
    topic: string,
    partition: number,
    records: readonly DecidableRecord[],
    lastOffset: string,
    now: number,
  ): Promise<Decided> {
    const hashes = new Map(records.map((r) => [r.parsed.coords.offset, fingerprint(r.raw.value)]));
    const attempt: Attempt = {};
    let decided: Decided;
    let replayed: readonly ReplayOutcomeRow[] = [];
    try {
      decided = await this.repository.inTransaction(async (tx) => {
        const progress = await tx.progress(topic, partition);
        const recorded = await this.recordedDecisions(tx, topic, partition, records, progress, hashes);
        const pending = records.filter((r) => !recorded.has(r.parsed.coords.offset));
        // Replayed DLQ records (docs/adr/0009): verified against their run item before the engine
        // sees them; a further copy of an item is decided here, as a duplicate of the first.
        const refs = pending.map((r) => replayRefOf(r.raw)).filter((ref): ref is ReplayRef => ref !== null);
        const items = refs.length === 0 ? new Map() : await tx.replayItems(refs);
        const plans = planReplays(pending, items, now);
        const replays = new Map<string, ReplayRef>();
        const copies: DecisionRecord[] = [];
        const fresh = pending.flatMap((r, i) => {
          const plan = plans[i] ?? { kind: 'ordinary' };
          if (plan.kind === 'copy') {
            copies.push(copyDecision(r.parsed, plan, r.trace.traceId));
            return [];
          }
          if (plan.kind === 'ordinary') return [r.parsed];
          replays.set(r.parsed.coords.offset, plan.ref);
          return [r.parsed.kind === 'valid' ? { ...r.parsed, replay: true as const } : r.parsed];
        });
        const { out, watermarkBefore } = await this.decide(
          tx,
          topic,
          partition,
          fresh,
          progress,
          now,
          attempt,
        );
        await tx.saveWatermarks(topic, partition, out.watermarks);
        const traceIds = new Map(records.map((r) => [r.parsed.coords.offset, r.trace.traceId]));
        const decisions = [
          ...out.decisions.map((d) =>
            judgedAgainst(toDecisionRecord(d, traceIds.get(d.coords.offset) ?? null), watermarkBefore),
          ),
          ...copies,
        ];
        await tx.record(
          decisions,
          new Map(records.map((r) => [coordKey(r.parsed.coords), r.raw])),
          hashes,
          progress,
          new Set(replays.keys()),
        );
        replayed = replayOutcomeRows(decisions, replays);
        await tx.recordReplays(replayed, this.config.dlq.maxAttempts);
        await tx.advanceProgress(topic, partition, lastOffset);
        const byOffset = new Map<string, DecisionRecord>(recorded);
        for (const d of decisions) byOffset.set(d.coords.offset, d);
        return {
          decisions: records.map((r) => {
            const d = byOffset.get(r.parsed.coords.offset);
            if (d === undefined) throw new Error(`no decision for ${coordKey(r.parsed.coords)}`);
            return d;
          }),
          watermarks: out.watermarks,
          watermarkBefore,
        };
      });
    } catch (error) {
      this.forgetAfterFailure(error, attempt);
      throw error;
    }
    this.learnAfterCommit(attempt);
    for (const row of replayed) this.metrics.countReplayed(row.outcome);
    return decided;
  }

  /**
   * Records at or below the partition's progress were decided before (a crash between the two
   * commits, or a rebalance): their recorded decisions are re-emitted, never decided afresh.
   */
  private async recordedDecisions(
    tx: BatchTransaction,
    topic: string,
    partition: number,
    records: readonly DecidableRecord[],
    progress: bigint | null,
    hashes: ReadonlyMap<string, string>,
  ): Promise<Map<string, DecisionRecord>> {
    const recorded = new Map<string, DecisionRecord>();
    if (progress === null) return recorded;
    const redelivered = records
      .filter((r) => BigInt(r.parsed.coords.offset) <= progress)
      .map((r) => r.parsed.coords.offset);
    if (redelivered.length === 0) return recorded;
    for (const [offset, rec] of await tx.recordedDecisions(topic, partition, redelivered)) {
      // The same coordinates with other bytes: the topic was recreated (offsets start again) while
      // this database kept its audit. That record is new: decide it afresh.
      if (rec.recordHash !== null && rec.recordHash !== hashes.get(offset)) {
        this.log.write('warn', 'recorded decision is for other bytes at the same offset; deciding afresh', {
          topic,
          partition,
          offset,
        });
        continue;
      }
      recorded.set(offset, rec.decision);
    }
    return recorded;
  }

  /**
   * Locks what the fresh records' keys need, loads the watermarks (after the locks and the cache
   * lookups: an expiry sweep committing in between could otherwise delete a state a record still
   * reaches, and the cache's proof needs the watermark to be at least as new as the cache), decides,
   * and writes the changed state.
   */
  private async decide(
    tx: BatchTransaction,
    topic: string,
    partition: number,
    fresh: readonly ParsedRecord[],
    progress: bigint | null,
    now: number,
    attempt: Attempt,
  ): Promise<{ out: DecideBatchOutput; watermarkBefore: number | null }> {
    const semantics = this.config.semantics;
    const layout = this.config.approximate;
    if (layout !== null) {
      const probes = bloomProbesOf(fresh, semantics, layout);
      // Asked together: one round trip, the watermarks read after the locks (docs/adr/0012).
      const [stripes, watermarks] = await Promise.all([
        tx.lockStripes(
          layout.id,
          [...probes.values()].map((p) => p.block),
        ),
        tx.loadWatermarks(topic),
      ]);
      const out = decideEventBatch({
        records: fresh,
        partition,
        states: new Map(),
        watermarks,
        now,
        semantics,
        bloom: { layout, stripes, probes },
      });
      await tx.writeStripes(layout.id, out.changedStripes, new Set(stripes.keys()));
      return { out, watermarkBefore: out.watermarkAtStart };
    }
    const plan = planStateReads({ records: fresh, semantics, cache: this.cache, progress });
    attempt.plan = plan;
    // Asked together: one round trip, the watermarks read after the locks (docs/adr/0012).
    const [locked, watermarks] = await Promise.all([tx.lockStates(plan.lockKeys), tx.loadWatermarks(topic)]);
    attempt.locked = locked;
    const states = new Map(locked);
    for (const [key, state] of plan.cached) states.set(key, state);
    const out = decideEventBatch({ records: fresh, partition, states, watermarks, now, semantics });
    for (const key of out.changedStates.keys()) {
      // planStateReads only answers keys no decision writes; a write here would bypass the row lock.
      if (plan.cached.has(key)) throw new Error(`state cache answered a key the batch changes: ${key}`);
    }
    attempt.out = out;
    await tx.writeStates(out.changedStates, new Set(locked.keys()));
    return { out, watermarkBefore: out.watermarkAtStart };
  }

  /** Only after the commit: a state from a rolled-back transaction may never have existed. */
  private learnAfterCommit({ plan, locked, out }: Attempt): void {
    if (plan === undefined || locked === undefined || out === undefined) return;
    this.metrics.countStateCacheLookups(plan.hits, plan.misses);
    if (this.cache.enabled) {
      this.cache.remember(
        statesToRemember({
          locked,
          changed: out.changedStates,
          semantics: this.config.semantics,
          watermark: out.watermarks.pipelineWatermark,
        }),
      );
    }
    this.metrics.setStateCacheEntries(this.cache.size);
  }

  /**
   * Nothing of a failed transaction was cached, so the cache is still right; still, a key another
   * transaction just claimed (ClaimConflict), or any key of a batch whose commit may or may not have
   * happened, is dropped so the next attempt reads it under its lock.
   */
  private forgetAfterFailure(error: unknown, { plan }: Attempt): void {
    if (error instanceof ClaimConflict) {
      this.cache.forget(error.keys);
      return;
    }
    if (plan !== undefined) {
      this.cache.forget(plan.lockKeys);
      this.cache.forget(plan.cached.keys());
    }
  }
}

/** Identifies a record's bytes, so a recorded decision is re-emitted only for the same record. */
export function fingerprint(value: Buffer | null): string {
  // One-shot hash: no Hash object per record (the same digest as createHash().update().digest()).
  return hash('sha256', value ?? EMPTY, 'base64url').slice(0, 22);
}

const EMPTY = Buffer.alloc(0);
