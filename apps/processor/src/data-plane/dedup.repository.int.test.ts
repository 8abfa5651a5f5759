import { randomBytes } from 'node:crypto';
import { stripeWithKey, type BloomProbe, type BloomStripe, type KeyState } from '@dedup/core';
import { Pool } from 'pg';
import type { DecisionRecord } from './pipeline/decision-record';
import { createDataSource } from '../adapters/postgres/data-source';
import { ClaimConflict, DedupRepository, coordKey } from './dedup.repository';
import { StateExpiryRepository } from './state/state-expiry.repository';

// Integration tier: real Postgres with the real migrations (applied by the jest globalSetup).
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const pool = new Pool({ connectionString: databaseUrl, max: 2 });

const T0 = Date.UTC(2026, 0, 1);
const state = (key: string, partition: number, offset: number, expiresAt = T0 + 60_000): KeyState => ({
  stateKey: key,
  strategy: 'event_id',
  eventId: key,
  origin: { topic: 'raw', partition, offset: String(offset) },
  firstEventTime: T0,
  firstSeenAt: T0 + 5,
  expiresAt,
});

describe('dedup state on real Postgres', () => {
  const sources = [0, 1].map(() => createDataSource(databaseUrl, 4));

  beforeAll(async () => {
    await Promise.all(sources.map((s) => s.initialize()));
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await pool.end();
  });

  it('never lets two concurrent transactions both claim a new key', async () => {
    const pipeline = { name: uniqueName('claims'), version: '1' };
    const [a, b] = sources.map((s) => new DedupRepository(s, pipeline));
    const keys = Array.from({ length: 300 }, (_, i) => `event_id:k${i}`);
    // Both see every key as absent, then both insert, holding their transactions open so that they
    // really overlap; the second INSERT waits for the first commit and must then fail.
    const claimAll = (repo: DedupRepository, partition: number) =>
      repo.inTransaction(async (tx) => {
        const existing = await tx.lockStates(keys);
        expect(existing.size).toBe(0);
        await new Promise((r) => setTimeout(r, 100));
        await tx.writeStates(new Map(keys.map((k, i) => [k, state(k, partition, i)])), new Set());
        return partition;
      });
    const results = await Promise.allSettled([claimAll(a!, 0), claimAll(b!, 1)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const conflict = (lost[0] as PromiseRejectedResult).reason as ClaimConflict;
    expect(conflict).toBeInstanceOf(ClaimConflict);
    // The unique violation names the first contested key (the INSERT goes in key order).
    expect(conflict.keys).toEqual([[...keys].sort()[0]]);
    const winner = (won[0] as PromiseFulfilledResult<number>).value;
    const { rows } = await pool.query<{ origin_partition: number; n: string }>(
      `SELECT origin_partition, count(*)::text AS n FROM dedup_claim WHERE pipeline = $1 GROUP BY 1`,
      [pipeline.name],
    );
    expect(rows).toEqual([{ origin_partition: winner, n: String(keys.length) }]);
    // The loser, retried, now finds every key claimed (and locked for it).
    const seen = await b!.inTransaction((tx) => tx.lockStates(keys));
    expect(seen.size).toBe(keys.length);
    expect(seen.get('event_id:k7')?.origin.partition).toBe(winner);
  });

  it('round-trips a state exactly, including millisecond times', async () => {
    const pipeline = { name: uniqueName('roundtrip'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    const s = {
      ...state('event_id:x', 2, 41),
      firstEventTime: T0 + 123,
      firstSeenAt: T0 + 999,
      expiresAt: T0 + 3_600_123,
    };
    await repo.inTransaction((tx) => tx.writeStates(new Map([[s.stateKey, s]]), new Set()));
    const back = await repo.inTransaction((tx) => tx.lockStates([s.stateKey]));
    expect(back.get(s.stateKey)).toEqual(s);
    const moved = { ...s, expiresAt: T0 + 7_200_000 };
    await repo.inTransaction((tx) => tx.writeStates(new Map([[s.stateKey, moved]]), new Set([s.stateKey])));
    expect((await repo.inTransaction((tx) => tx.lockStates([s.stateKey]))).get(s.stateKey)).toEqual(moved);
  });

  it('re-reads recorded decisions exactly, and writes audit rows and rollups once', async () => {
    const pipeline = { name: uniqueName('recorded'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    const decisions: DecisionRecord[] = [
      {
        coords: { topic: 'raw', partition: 1, offset: '10' },
        outcome: 'duplicate',
        eventId: 'e1',
        eventTime: T0 + 1,
        stateKeys: ['event_id:e1'],
        strategy: 'event_id',
        first: { topic: 'raw', partition: 0, offset: '3', firstSeenAt: T0 + 2 },
        errorType: null,
        reason: 'duplicate of raw/0@3 by event_id',
        watermark: null,
        latenessMs: null,
        traceId: '0af7651916cd43dd8448eb211c80319c',
        approximate: false,
      },
      {
        coords: { topic: 'raw', partition: 1, offset: '11' },
        outcome: 'late',
        eventId: 'e2',
        eventTime: T0 - 90_000,
        stateKeys: null,
        strategy: null,
        first: null,
        errorType: null,
        reason: 'event time is 120000 ms behind the watermark',
        watermark: T0 + 30_000,
        latenessMs: 120_000,
        traceId: null,
        approximate: false,
      },
      {
        coords: { topic: 'raw', partition: 1, offset: '12' },
        outcome: 'duplicate',
        eventId: 'e3',
        eventTime: T0 + 3,
        stateKeys: ['event_id:e3'],
        strategy: 'event_id',
        first: null,
        errorType: null,
        reason:
          'probable duplicate by event_id: key found in the Bloom filter of generation 7 (approximate mode)',
        watermark: null,
        latenessMs: null,
        traceId: null,
        approximate: true,
      },
    ];
    for (let i = 0; i < 2; i++) {
      await repo.inTransaction(async (tx) => {
        await tx.record(
          decisions,
          new Map(),
          new Map(
            ['10', '11', '12'].map((o) => [coordKey({ topic: 'raw', partition: 1, offset: o }), `hash-${o}`]),
          ),
        );
        await tx.advanceProgress('raw', 1, '12');
      });
    }
    const back = await repo.inTransaction((tx) => tx.recordedDecisions('raw', 1, ['10', '11', '12', '13']));
    expect([...back.values()]).toEqual([
      { decision: decisions[0], recordHash: 'hash-10' },
      { decision: decisions[1], recordHash: 'hash-11' },
      { decision: decisions[2], recordHash: 'hash-12' },
    ]);
    expect(await repo.inTransaction((tx) => tx.progress('raw', 1))).toBe(12n);
    const rollup = await pool.query<{ count: string }>(
      'SELECT sum(count)::text AS count FROM outcome_rollup WHERE pipeline = $1',
      [pipeline.name],
    );
    expect(rollup.rows[0]!.count).toBe('3');
  });

  it('replaces an audit row whose bytes changed (a recreated topic), keeps one with the same bytes, and counts each write once in every rollup', async () => {
    const pipeline = { name: uniqueName('replaced'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    // Decided against the watermark T0: a record `behindMs` behind it (negative: ahead of it).
    const decision = (offset: string, outcome: 'unique' | 'late', behindMs: number): DecisionRecord => ({
      coords: { topic: 'raw', partition: 2, offset },
      outcome,
      eventId: `e${offset}`,
      eventTime: T0 - behindMs,
      stateKeys: outcome === 'unique' ? [`event_id:e${offset}`] : null,
      strategy: null,
      first: null,
      errorType: null,
      reason: null,
      // As the batch decider records them (judgedAgainst): every valid record with its watermark.
      watermark: T0,
      latenessMs: Math.max(0, behindMs),
      traceId: null,
      approximate: false,
    });
    const at = (offset: string) => coordKey({ topic: 'raw', partition: 2, offset });
    const write = (decisions: DecisionRecord[], hashes: [string, string][], replayed: string[] = []) =>
      repo.inTransaction((tx) =>
        tx.record(
          decisions,
          new Map(),
          new Map(hashes.map(([o, h]) => [at(o), h])),
          () => null,
          new Set(replayed.map(at)),
        ),
      );
    // 20: ahead of the watermark; 21: 500 ms behind it, kept; 22: 1 s behind, late; 23: a replay, 2 s behind.
    await write(
      [
        decision('20', 'unique', -10),
        decision('21', 'unique', 500),
        decision('22', 'late', 1_000),
        decision('23', 'unique', 2_000),
      ],
      [
        ['20', 'a'],
        ['21', 'a'],
        ['22', 'a'],
        ['23', 'a'],
      ],
      ['23'],
    );
    // The same bytes again (a re-delivery): nothing written. Other bytes at 22: its row is replaced.
    await write(
      [decision('20', 'unique', -10), decision('22', 'unique', 1_000)],
      [
        ['20', 'a'],
        ['22', 'b'],
      ],
    );
    const audit = await pool.query<{ source_offset: string; outcome: string; record_hash: string }>(
      `SELECT source_offset::text, outcome, record_hash FROM event_audit WHERE pipeline = $1 ORDER BY source_offset`,
      [pipeline.name],
    );
    expect(audit.rows).toEqual([
      { source_offset: '20', outcome: 'unique', record_hash: 'a' },
      { source_offset: '21', outcome: 'unique', record_hash: 'a' },
      { source_offset: '22', outcome: 'unique', record_hash: 'b' },
      { source_offset: '23', outcome: 'unique', record_hash: 'a' },
    ]);
    const counts = async (table: string) =>
      (
        await pool.query<{ outcome: string; n: string }>(
          `SELECT outcome, sum(count)::text AS n FROM ${table} WHERE pipeline = $1 GROUP BY 1 ORDER BY 1`,
          [pipeline.name],
        )
      ).rows;
    // Five writes: four, then the replacement of 22.
    expect(await counts('outcome_rollup')).toEqual([
      { outcome: 'late', n: '1' },
      { outcome: 'unique', n: '4' },
    ]);
    expect(await counts('outcome_rollup_10s')).toEqual(await counts('outcome_rollup'));
    // Lateness buckets: ceil(16 · log2 ms): 21 and the new 22 kept, the old 22 late; the replay (23)
    // and the record ahead of the watermark (20) are not counted.
    const lateness = await pool.query<{ late: boolean; bucket: number; n: string }>(
      `SELECT late, bucket, sum(count)::text AS n FROM lateness_rollup WHERE pipeline = $1
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [pipeline.name],
    );
    expect(lateness.rows).toEqual([
      { late: false, bucket: 144, n: '1' },
      { late: false, bucket: 160, n: '1' },
      { late: true, bucket: 160, n: '1' },
    ]);
  });

  it("writes several partitions' fresh rows in one statement, and leaves a replay out of the lateness", async () => {
    const pipeline = { name: uniqueName('fresh'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    const decision = (partition: number, offset: string, behindMs: number): DecisionRecord => ({
      coords: { topic: 'raw', partition, offset },
      outcome: 'unique',
      eventId: `e${partition}-${offset}`,
      eventTime: T0 - behindMs,
      stateKeys: [`event_id:e${partition}-${offset}`],
      strategy: null,
      first: null,
      errorType: null,
      reason: null,
      watermark: T0,
      latenessMs: behindMs,
      traceId: null,
      approximate: false,
    });
    // Partition 3's progress is 9 (its records are above it), partition 4's is 19: the plain form for
    // both. Partition 4's record at 20 is a replay, 2 s behind: not counted in the lateness.
    const decisions = [decision(3, '10', 500), decision(4, '20', 2_000), decision(4, '21', 1_000)];
    const progress = new Map([
      [3, 9n],
      [4, 19n],
    ]);
    await repo.inTransaction((tx) =>
      tx.record(
        decisions,
        new Map(),
        new Map(decisions.map((d) => [coordKey(d.coords), 'h'])),
        (_, partition) => progress.get(partition) ?? null,
        new Set([coordKey({ topic: 'raw', partition: 4, offset: '20' })]),
      ),
    );
    const audit = await pool.query<{ at: string; record_hash: string }>(
      `SELECT source_partition || '@' || source_offset AS at, record_hash FROM event_audit
        WHERE pipeline = $1 ORDER BY 1`,
      [pipeline.name],
    );
    expect(audit.rows).toEqual([
      { at: '3@10', record_hash: 'h' },
      { at: '4@20', record_hash: 'h' },
      { at: '4@21', record_hash: 'h' },
    ]);
    const lateness = await pool.query<{ source_partition: number; bucket: number; n: string }>(
      `SELECT source_partition, bucket, sum(count)::text AS n FROM lateness_rollup WHERE pipeline = $1
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [pipeline.name],
    );
    expect(lateness.rows).toEqual([
      { source_partition: 3, bucket: 144, n: '1' },
      { source_partition: 4, bucket: 160, n: '1' },
    ]);
  });

  it('moves watermarks and progress only forward', async () => {
    const pipeline = { name: uniqueName('forward'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    const save = (max: number, wm: number, offset: string) =>
      repo.inTransaction(async (tx) => {
        await tx.saveWatermarks('raw', 0, {
          partitions: [{ partition: 0, maxEventTime: max, lastActivityAt: max }],
          pipelineWatermark: wm,
        });
        await tx.advanceProgress('raw', 0, offset);
      });
    await save(T0 + 10_000, T0 + 5_000, '50');
    await save(T0 + 1_000, T0 + 500, '20');
    const snapshot = await repo.inTransaction((tx) => tx.loadWatermarks('raw'));
    expect(snapshot).toEqual({
      partitions: [{ partition: 0, maxEventTime: T0 + 10_000, lastActivityAt: T0 + 10_000 }],
      pipelineWatermark: T0 + 5_000,
    });
    expect(await repo.inTransaction((tx) => tx.progress('raw', 0))).toBe(50n);
  });

  it("lets partitions' batch transactions save watermarks without waiting for each other", async () => {
    const pipeline = { name: uniqueName('wm-concurrent'), version: '1' };
    const [a, b] = sources.map((s) => new DedupRepository(s, pipeline));
    const snapshot = (partition: number, wm: number) => ({
      partitions: [{ partition, maxEventTime: wm + 1_000, lastActivityAt: T0 }],
      pipelineWatermark: wm,
    });
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let saved: () => void = () => undefined;
    const savedByA = new Promise<void>((r) => (saved = r));
    // A saves partition 0's watermarks and keeps its transaction open ...
    const txA = a!.inTransaction(async (tx) => {
      await tx.saveWatermarks('raw', 0, snapshot(0, T0 + 7_000));
      saved();
      await held;
    });
    await savedByA;
    // ... while B saves partition 1's: it must not wait on A (a shared row would make it).
    const started = Date.now();
    await b!.inTransaction(async (tx) => {
      await tx.saveWatermarks('raw', 1, snapshot(1, T0 + 5_000));
    });
    const waitedMs = Date.now() - started;
    release();
    await txA;
    expect(waitedMs).toBeLessThan(1_000);
    // The pipeline watermark is the greatest any partition's batch computed.
    const loaded = await a!.inTransaction((tx) => tx.loadWatermarks('raw'));
    expect(loaded.pipelineWatermark).toBe(T0 + 7_000);
  });

  it('expires exactly the states the watermark minus allowed lateness has passed', async () => {
    const pipeline = { name: uniqueName('expiry'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    const expiry = new StateExpiryRepository(sources[0]!);
    const watermark = T0 + 100_000;
    const allowedLateness = 10_000; // horizon = T0 + 90_000
    const expiries = [T0 + 50_000, T0 + 89_999, T0 + 90_000, T0 + 90_001, T0 + 200_000];
    await repo.inTransaction(async (tx) => {
      await tx.writeStates(new Map(expiries.map((e, i) => [`k${i}`, state(`k${i}`, 0, i, e)])), new Set());
      await tx.saveWatermarks('raw', 0, {
        partitions: [{ partition: 0, maxEventTime: watermark, lastActivityAt: T0 }],
        pipelineWatermark: watermark,
      });
    });
    // Batches of 2, as the sweep loops in batches: 2 + 1 deleted, then an empty batch.
    const batches: number[] = [];
    for (;;) {
      const n = await expiry.deleteExpired(pipeline.name, allowedLateness, 2);
      batches.push(n);
      if (n < 2) break;
    }
    const deleted = batches.reduce((a, b) => a + b, 0);
    expect(batches).toEqual([2, 1]);
    expect(deleted).toBe(3);
    const left = await pool.query<{ dedup_key: string }>(
      'SELECT dedup_key FROM dedup_claim WHERE pipeline = $1 ORDER BY dedup_key',
      [pipeline.name],
    );
    expect(left.rows.map((r) => r.dedup_key)).toEqual(['k3', 'k4']);
    expect(await expiry.countStates(pipeline.name)).toBe(2);
  });

  describe('approximate mode: Bloom stripes', () => {
    const probe = (block: number, ...positions: number[]): BloomProbe => ({ block, positions });
    const stripe = (block: number, ...generations: number[]): BloomStripe =>
      generations.reduce<BloomStripe | undefined>(
        (s, g, i) => stripeWithKey(s, block, g, probe(block, i, 100 + g)),
        undefined,
      ) ?? { block, generations: [], bits: new Uint8Array(0) };

    it('round-trips stripes exactly, and a concurrently inserted stripe is a ClaimConflict', async () => {
      const pipeline = { name: uniqueName('stripes'), version: '1' };
      const [a, b] = sources.map((s) => new DedupRepository(s, pipeline));
      const one = stripe(7, 3, 5);
      await a!.inTransaction((tx) => tx.writeStripes('L1', new Map([[7, one]]), new Set()));
      const back = await a!.inTransaction((tx) => tx.lockStripes('L1', [7, 8]));
      expect([...back.keys()]).toEqual([7]);
      expect(back.get(7)?.generations).toEqual([3, 5]);
      expect([...(back.get(7)?.bits ?? [])]).toEqual([...one.bits]);
      // Another layout is another filter.
      expect((await a!.inTransaction((tx) => tx.lockStripes('L2', [7]))).size).toBe(0);
      const two = stripeWithKey(one, 7, 9, probe(7, 1));
      await a!.inTransaction((tx) => tx.writeStripes('L1', new Map([[7, two]]), new Set([7])));
      expect((await a!.inTransaction((tx) => tx.lockStripes('L1', [7]))).get(7)?.generations).toEqual([
        3, 5, 9,
      ]);

      // Both see block 8 absent and insert it: the second insert waits for the first commit, then fails.
      const insert = (repo: DedupRepository) =>
        repo.inTransaction(async (tx) => {
          expect((await tx.lockStripes('L1', [8])).size).toBe(0);
          await new Promise((r) => setTimeout(r, 100));
          await tx.writeStripes('L1', new Map([[8, stripe(8, 1)]]), new Set());
        });
      const results = await Promise.allSettled([insert(a!), insert(b!)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(ClaimConflict);
    });

    it('drops exactly the expired generations, keeps the others aligned, and sums their fill', async () => {
      const pipeline = { name: uniqueName('bloom-expiry'), version: '1' };
      const repo = new DedupRepository(sources[0]!, pipeline);
      const expiry = new StateExpiryRepository(sources[0]!);
      const stripes = new Map([
        [0, stripe(0, 1, 2, 3)],
        [1, stripe(1, 2)],
        [2, stripe(2, 3, 4)],
      ]);
      await repo.inTransaction((tx) => tx.writeStripes('L', stripes, new Set()));
      await repo.inTransaction((tx) => tx.writeStripes('OLD', new Map([[0, stripe(0, 1)]]), new Set()));
      // Generations up to 2 expire; stripe 2 has none of them and is left alone.
      expect(await expiry.expireBloomGenerations(pipeline.name, 'L', 2, 100)).toBe(2);
      expect(await expiry.expireBloomGenerations(pipeline.name, 'L', 2, 100)).toBe(0);
      const left = await repo.inTransaction((tx) => tx.lockStripes('L', [0, 1, 2]));
      expect(left.get(0)?.generations).toEqual([3]);
      expect([...(left.get(0)?.bits ?? [])]).toEqual([...(stripes.get(0)?.bits.subarray(128, 192) ?? [])]);
      expect(left.get(1)).toEqual({ block: 1, generations: [], bits: new Uint8Array(0) });
      expect(left.get(2)?.generations).toEqual([3, 4]);
      // Each generation block holds 2 set bits of 512: (2/512)^hashes per block, summed per generation.
      const summary = await expiry.bloomSummary(pipeline.name, 'L', 2);
      expect([...summary.generations.keys()].sort()).toEqual([3, 4]);
      expect(summary.generations.get(3)).toBeCloseTo(2 * (2 / 512) ** 2, 12);
      expect(summary.bytes).toBe(3 * 64);
      // A layout no longer configured is deleted.
      expect(await expiry.deleteStaleBloomLayouts(pipeline.name, 'L', 100)).toBe(1);
      expect(await expiry.deleteStaleBloomLayouts(pipeline.name, null, 100)).toBe(3);
    });
  });
});
