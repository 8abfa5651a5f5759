import { hash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  bloomProbesOf,
  decideEventBatch,
  planStateReads,
  StateCache,
  statesToRemember,
  type DecideBatchOutput,
  type BloomStripe,
  type KeyState,
  type ParsedRecord,
  type StateReadPlan,
  type WatermarkSnapshot,
} from '@dedup/core';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { ClaimConflict, DedupRepository, type BatchTransaction, type RawRecord } from '../dedup.repository';
import { coordKey, judgedAgainst, toDecisionRecord, type DecisionRecord } from './decision-record';
import {
  copyDecision,
  planReplays,
  replayOutcomeRows,
  replayRefOf,
  type ReplayOutcomeRow,
  type ReplayRef,
} from './replay-records';

/**
 * How long a round of several batches waits for a partition's lock (held by another transaction of
 * that partition: normally one batch, 5-30 ms; far longer only when two processors both believe
 * they own it) before it gives up and its batches take a transaction each (docs/adr/0019).
 */
export const ROUND_PARTITION_LOCK_WAIT_MS = 1_000;

/** What the batch transaction needs to know about a consumed record. */
export interface DecidableRecord {
  readonly parsed: ParsedRecord;
  readonly raw: RawRecord;
  readonly trace: { readonly traceId: string | null };
}

/** One partition's batch, as a round's transaction takes it. */
export interface DecidableBatch {
  readonly topic: string;
  readonly partition: number;
  /** In offset order. */
  readonly records: readonly DecidableRecord[];
  /** The batch's last consumed offset: the partition's progress once the transaction commits. */
  readonly lastOffset: string;
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
  changed?: ReadonlyMap<string, KeyState>;
  watermark?: number | null;
}

/** A batch's records the engine decides, and what the transaction knows of the batch. */
interface Pending {
  readonly batch: DecidableBatch;
  readonly progress: bigint | null;
  readonly recorded: ReadonlyMap<string, DecisionRecord>;
  readonly fresh: ParsedRecord[];
  readonly copies: DecisionRecord[];
}

/**
 * The Postgres half of a round (docs/adr/0003, 0019): ONE transaction for the batches of one or
 * several partitions of a topic. It takes the partitions' locks in one order, re-reads the recorded
 * decisions of re-delivered records, locks and loads the key state of every batch at once (exact mode:
 * claims, some answered by the state cache; approximate mode: Bloom stripes), decides each batch with
 * the pure engine in partition order (a batch sees the state and watermarks the one before it left,
 * as if they had committed one after the other), and writes state, watermarks, audit rows, DLQ rows,
 * rollups and progress. Nothing here knows Kafka.
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

  /** One Postgres transaction for one batch; returns one decision per record, in offset order. */
  async decideAndPersist(
    topic: string,
    partition: number,
    records: readonly DecidableRecord[],
    lastOffset: string,
    now: number,
  ): Promise<Decided> {
    const [decided] = await this.decideRound([{ topic, partition, records, lastOffset }], now);
    if (decided === undefined) throw new Error('decideRound returned no result for its batch');
    return decided;
  }

  /**
   * One Postgres transaction for the batches of a round: one topic, at most one batch per partition.
   * Returns, per batch in the order given, one decision per record in offset order.
   */
  async decideRound(batches: readonly DecidableBatch[], now: number): Promise<Decided[]> {
    const topic = batches[0]?.topic;
    if (topic === undefined) return [];
    const seen = new Set<number>();
    for (const b of batches) {
      if (b.topic !== topic) throw new Error(`a round is one topic's: ${b.topic} beside ${topic}`);
      if (seen.has(b.partition))
        throw new Error(`a round has one batch per partition: ${topic}/${b.partition}`);
      seen.add(b.partition);
    }
    // Partition order: the partitions' locks are taken in it (two rounds never wait on each other in
    // a cycle), and the engine decides the batches in it.
    const ordered = [...batches].sort((a, b) => a.partition - b.partition);
    const hashes = new Map<string, string>();
    const raws = new Map<string, RawRecord>();
    for (const b of ordered) {
      for (const r of b.records) {
        hashes.set(coordKey(r.parsed.coords), fingerprint(r.raw.value));
        raws.set(coordKey(r.parsed.coords), r.raw);
      }
    }
    const attempt: Attempt = {};
    let decided: Map<DecidableBatch, Decided>;
    let replayed: readonly ReplayOutcomeRow[] = [];
    try {
      decided = await this.repository.inTransaction(async (tx) => {
        // Asked together: the locks queue in partition order, and the reads share a round trip. In a
        // round of several batches the wait for a partition's lock is bounded: a partition another
        // owner still holds (a rebalance, a frozen processor) fails the round, whose batches then
        // go one by one, instead of holding back the round's other partitions with it.
        const shared = ordered.length > 1;
        if (shared) await tx.limitLockWait(ROUND_PARTITION_LOCK_WAIT_MS);
        const progressing = Promise.all(ordered.map((b) => tx.progress(topic, b.partition)));
        if (shared) await tx.limitLockWait(null);
        const progresses = await progressing;
        const progressOf = new Map(ordered.map((b, i) => [b.partition, progresses[i] ?? null]));
        const recordedAll = await Promise.all(
          ordered.map((b) => this.recordedDecisions(tx, b, progressOf.get(b.partition) ?? null, hashes)),
        );
        const pendingRecords = ordered.map((b, i) =>
          b.records.filter((r) => !recordedAll[i]?.has(r.parsed.coords.offset)),
        );
        // Replayed DLQ records (docs/adr/0009): verified against their run item before the engine
        // sees them; a further copy of an item, in this round or after, is decided as a duplicate of
        // the first (planned over every batch of the round at once, in partition order).
        const allPending = pendingRecords.flat();
        const refs = allPending
          .map((r) => replayRefOf(r.raw))
          .filter((ref): ref is ReplayRef => ref !== null);
        const items = refs.length === 0 ? new Map() : await tx.replayItems(refs);
        const plans = planReplays(allPending, items, now);
        const replays = new Map<string, ReplayRef>();
        let next = 0;
        const pendings: Pending[] = ordered.map((batch, i) => {
          const copies: DecisionRecord[] = [];
          const fresh = (pendingRecords[i] ?? []).flatMap((r) => {
            const plan = plans[next++] ?? { kind: 'ordinary' };
            if (plan.kind === 'copy') {
              copies.push(copyDecision(r.parsed, plan, r.trace.traceId));
              return [];
            }
            if (plan.kind === 'ordinary') return [r.parsed];
            replays.set(coordKey(r.parsed.coords), plan.ref);
            return [r.parsed.kind === 'valid' ? { ...r.parsed, replay: true as const } : r.parsed];
          });
          return {
            batch,
            progress: progressOf.get(batch.partition) ?? null,
            recorded: recordedAll[i] ?? new Map(),
            fresh,
            copies,
          };
        });
        const outs = await this.decide(tx, topic, pendings, now, attempt);
        const traceIds = new Map<string, string | null>();
        for (const b of ordered)
          for (const r of b.records) traceIds.set(coordKey(r.parsed.coords), r.trace.traceId);
        const fresh: DecisionRecord[] = [];
        const results = new Map<DecidableBatch, Decided>();
        for (const [i, p] of pendings.entries()) {
          const out = outs[i];
          if (out === undefined) throw new Error(`no engine output for ${topic}/${p.batch.partition}`);
          // Each partition's row gets the snapshot after its own batch, as if the batches had
          // committed one after the other.
          await tx.saveWatermarks(topic, p.batch.partition, out.out.watermarks);
          const decisions = [
            ...out.out.decisions.map((d) =>
              judgedAgainst(
                toDecisionRecord(d, traceIds.get(coordKey(d.coords)) ?? null),
                out.watermarkBefore,
              ),
            ),
            ...p.copies,
          ];
          fresh.push(...decisions);
          const byOffset = new Map<string, DecisionRecord>(p.recorded);
          for (const d of decisions) byOffset.set(d.coords.offset, d);
          results.set(p.batch, {
            decisions: p.batch.records.map((r) => {
              const d = byOffset.get(r.parsed.coords.offset);
              if (d === undefined) throw new Error(`no decision for ${coordKey(r.parsed.coords)}`);
              return d;
            }),
            watermarks: out.out.watermarks,
            watermarkBefore: out.watermarkBefore,
          });
        }
        await tx.record(
          fresh,
          raws,
          hashes,
          (_, partition) => progressOf.get(partition) ?? null,
          new Set(replays.keys()),
        );
        replayed = replayOutcomeRows(fresh, replays);
        await tx.recordReplays(replayed, this.config.dlq.maxAttempts);
        for (const b of ordered) await tx.advanceProgress(topic, b.partition, b.lastOffset);
        return results;
      });
    } catch (error) {
      this.forgetAfterFailure(error, attempt);
      throw error;
    }
    this.learnAfterCommit(attempt);
    for (const row of replayed) this.metrics.countReplayed(row.outcome);
    return batches.map((b) => {
      const d = decided.get(b);
      if (d === undefined) throw new Error(`no result for ${b.topic}/${b.partition}`);
      return d;
    });
  }

  /**
   * Records at or below the partition's progress were decided before (a crash between the two
   * commits, or a rebalance): their recorded decisions are re-emitted, never decided afresh.
   */
  private async recordedDecisions(
    tx: BatchTransaction,
    batch: DecidableBatch,
    progress: bigint | null,
    hashes: ReadonlyMap<string, string>,
  ): Promise<Map<string, DecisionRecord>> {
    const { topic, partition, records } = batch;
    const recorded = new Map<string, DecisionRecord>();
    if (progress === null) return recorded;
    const redelivered = records
      .filter((r) => BigInt(r.parsed.coords.offset) <= progress)
      .map((r) => r.parsed.coords.offset);
    if (redelivered.length === 0) return recorded;
    for (const [offset, rec] of await tx.recordedDecisions(topic, partition, redelivered)) {
      // The same coordinates with other bytes: the topic was recreated (offsets start again) while
      // this database kept its audit. That record is new: decide it afresh.
      if (rec.recordHash !== null && rec.recordHash !== hashes.get(coordKey({ topic, partition, offset }))) {
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
   * Locks what every batch's fresh records need, loads the watermarks (after the locks and the cache
   * lookups: an expiry sweep committing in between could otherwise delete a state a record still
   * reaches, and the cache's proof needs the watermark to be at least as new as the cache), decides
   * the batches one after the other, each from the state and watermarks the one before left, and
   * writes the changed state.
   */
  private async decide(
    tx: BatchTransaction,
    topic: string,
    pendings: readonly Pending[],
    now: number,
    attempt: Attempt,
  ): Promise<{ out: DecideBatchOutput; watermarkBefore: number | null }[]> {
    const semantics = this.config.semantics;
    const layout = this.config.approximate;
    const allFresh = pendings.flatMap((p) => p.fresh);
    const outs: { out: DecideBatchOutput; watermarkBefore: number | null }[] = [];
    if (layout !== null) {
      const probes = bloomProbesOf(allFresh, semantics, layout);
      // Asked together: one round trip, the watermarks read after the locks (docs/adr/0012).
      const [locked, loaded] = await Promise.all([
        tx.lockStripes(
          layout.id,
          [...probes.values()].map((p) => p.block),
        ),
        tx.loadWatermarks(topic),
      ]);
      const stripes = new Map(locked);
      const changed = new Map<number, BloomStripe>();
      let watermarks = loaded;
      for (const p of pendings) {
        const out = decideEventBatch({
          records: p.fresh,
          partition: p.batch.partition,
          states: new Map(),
          watermarks,
          now,
          semantics,
          bloom: { layout, stripes, probes },
        });
        for (const [block, stripe] of out.changedStripes) {
          stripes.set(block, stripe);
          changed.set(block, stripe);
        }
        watermarks = out.watermarks;
        outs.push({ out, watermarkBefore: out.watermarkAtStart });
      }
      await tx.writeStripes(layout.id, changed, new Set(locked.keys()));
      return outs;
    }
    const plan = planStateReads({
      records: allFresh,
      semantics,
      cache: this.cache,
      progress: (partition) => pendings.find((p) => p.batch.partition === partition)?.progress ?? null,
    });
    attempt.plan = plan;
    // Asked together: one round trip, the watermarks read after the locks (docs/adr/0012).
    const [locked, loaded] = await Promise.all([tx.lockStates(plan.lockKeys), tx.loadWatermarks(topic)]);
    attempt.locked = locked;
    const states = new Map(locked);
    for (const [key, state] of plan.cached) states.set(key, state);
    const changed = new Map<string, KeyState>();
    let watermarks = loaded;
    for (const p of pendings) {
      const out = decideEventBatch({
        records: p.fresh,
        partition: p.batch.partition,
        states,
        watermarks,
        now,
        semantics,
      });
      for (const [key, state] of out.changedStates) {
        // planStateReads only answers keys no decision writes; a write here would bypass the row lock.
        if (plan.cached.has(key)) throw new Error(`state cache answered a key the batch changes: ${key}`);
        states.set(key, state);
        changed.set(key, state);
      }
      watermarks = out.watermarks;
      outs.push({ out, watermarkBefore: out.watermarkAtStart });
    }
    attempt.changed = changed;
    attempt.watermark = watermarks.pipelineWatermark;
    await tx.writeStates(changed, new Set(locked.keys()));
    return outs;
  }

  /** Only after the commit: a state from a rolled-back transaction may never have existed. */
  private learnAfterCommit({ plan, locked, changed, watermark }: Attempt): void {
    if (plan === undefined || locked === undefined || changed === undefined) return;
    this.metrics.countStateCacheLookups(plan.hits, plan.misses);
    if (this.cache.enabled) {
      this.cache.remember(
        statesToRemember({
          locked,
          changed,
          semantics: this.config.semantics,
          watermark: watermark ?? null,
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
