import { randomBytes } from 'node:crypto';
import { StateCache, type RecordCoordinates } from '@dedup/core';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { METRIC, MetricsService } from '../../platform/metrics/metrics.service';
import { createDataSource } from '../../adapters/postgres/data-source';
import { ClaimConflict, DedupRepository } from '../dedup.repository';
import { StateExpiryRepository } from '../state/state-expiry.repository';
import { StateExpiryService } from '../state/state-expiry.service';
import {
  BatchDecider,
  ROUND_PARTITION_LOCK_WAIT_MS,
  type DecidableRecord,
  type Decided,
} from './batch-decider';

// Integration tier: the batch transaction on real Postgres with the real migrations, as processors
// run it, with the state cache in front (exact mode) or the Bloom stripes (approximate mode).
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');
const pool = new Pool({ connectionString: databaseUrl, max: 3 });
const T = Date.UTC(2026, 0, 1);
const logger = new JsonLogger('error');

interface Processor {
  readonly decider: BatchDecider;
  readonly cache: StateCache;
  readonly metrics: MetricsService;
  readonly config: AppConfig;
  readonly dataSource: DataSource;
}

describe('the batch transaction on real Postgres', () => {
  const sources: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await pool.end();
  });

  /** A processor instance: its own pool, cache and metrics; the pipeline's state is shared. */
  async function processor(
    name: string,
    semantics: object,
    env: Record<string, string> = {},
  ): Promise<Processor> {
    const config = loadConfig({
      PIPELINE_NAME: name,
      DATABASE_URL: databaseUrl,
      PIPELINE_SEMANTICS: JSON.stringify(semantics),
      ...env,
    });
    const dataSource = await createDataSource(config.database.url, 4).initialize();
    sources.push(dataSource);
    const cache = new StateCache(config.state.cacheSize);
    const metrics = new MetricsService();
    const repository = new DedupRepository(dataSource, config.pipeline);
    return {
      decider: new BatchDecider(config, repository, cache, metrics, logger),
      cache,
      metrics,
      config,
      dataSource,
    };
  }

  const offsets = new Map<string, number>();
  /** The next record of `partition`: a valid event (or, with `eventId` null, poison bytes). */
  function record(
    partition: number,
    eventId: string,
    eventTimeMs: number,
    payload: object = {},
  ): DecidableRecord {
    const key = String(partition);
    const offset = offsets.get(key) ?? 0;
    offsets.set(key, offset + 1);
    const coords: RecordCoordinates = { topic: 'raw', partition, offset: String(offset) };
    const event = { event_id: eventId, event_type: 't', event_time: eventTimeMs, payload, schema_version: 1 };
    return {
      parsed: { kind: 'valid', coords, event },
      raw: { key: null, value: Buffer.from(JSON.stringify(event)), headers: {} },
      trace: { traceId: null },
    };
  }

  /** One batch of one partition, retried on ClaimConflict as the pipeline's withRetry does. */
  async function decide(p: Processor, records: DecidableRecord[], now = T): Promise<Decided> {
    const last = records.at(-1)?.parsed.coords;
    if (last === undefined) throw new Error('empty batch');
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await p.decider.decideAndPersist('raw', last.partition, records, last.offset, now);
      } catch (error) {
        if (!(error instanceof ClaimConflict) || attempt >= 10) throw error;
      }
    }
  }

  const outcome = (d: Decided) => d.decisions.map((x) => x.outcome);
  const firstOf = (d: Decided, i = 0) => {
    const f = d.decisions[i]?.first;
    return f === null || f === undefined ? null : `${f.partition}@${f.offset}`;
  };
  async function cacheLookups(p: Processor): Promise<{ hit: number; miss: number }> {
    const metric = await p.metrics.registry.getSingleMetric(METRIC.stateCacheLookupsTotal)?.get();
    const value = (result: string) => metric?.values.find((v) => v.labels['result'] === result)?.value ?? 0;
    return { hit: value('hit'), miss: value('miss') };
  }

  const sliding = (sizeMs: number) => ({
    window: { kind: 'sliding', sizeMs },
    maxOutOfOrdernessMs: 0,
    allowedLatenessMs: 0,
    idleTimeoutMs: 3_600_000,
  });

  it('answers a repeat duplicate from the cache without waiting for, or reading, its row', async () => {
    const name = `cache-${randomBytes(4).toString('hex')}`;
    const cached = await processor(name, sliding(60_000));
    const uncached = await processor(name, sliding(60_000), { STATE_CACHE_SIZE: '0' });
    expect(outcome(await decide(cached, [record(0, 'a', T)]))).toEqual(['unique']);

    // Another transaction holds the key's row lock (a batch of another partition, say).
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `SELECT 1 FROM dedup_claim WHERE pipeline = $1 AND dedup_key = 'event_id:a' FOR UPDATE`,
        [name],
      );
      const fromCache = await decide(cached, [record(1, 'a', T + 10)]);
      expect(outcome(fromCache)).toEqual(['duplicate']);
      expect(firstOf(fromCache)).toBe('0@0');
      expect(await cacheLookups(cached)).toEqual({ hit: 1, miss: 1 });

      // Without the cache the copy waits for the row (Postgres decides), then is the same duplicate.
      let settled = false;
      const fromPostgres = decide(uncached, [record(2, 'a', T + 20)]).finally(() => {
        settled = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      await holder.query('COMMIT');
      const waited = await fromPostgres;
      expect(outcome(waited)).toEqual(['duplicate']);
      expect(firstOf(waited)).toBe('0@0');
      expect(await cacheLookups(uncached)).toEqual({ hit: 0, miss: 0 });
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('never lets two processors with their own caches both accept one key', async () => {
    const name = `race-${randomBytes(4).toString('hex')}`;
    const [a, b] = await Promise.all([processor(name, sliding(1_000)), processor(name, sliding(1_000))]);
    const ids = Array.from({ length: 150 }, (_, i) => `k${i}`);
    const rounds: Decided[] = [];
    // Three rounds of every key from both processors at once (partitions 3 and 4): the first claims,
    // the second is answered from the caches, the third is past the window and claims again.
    for (const t of [T, T + 100, T + 1_500]) {
      const [ra, rb] = await Promise.all([
        decide(
          a,
          ids.map((id) => record(3, id, t)),
        ),
        decide(
          b,
          ids.map((id) => record(4, id, t)),
        ),
      ]);
      rounds.push(ra, rb);
    }
    const uniques = new Map<string, number>();
    rounds.forEach((round, i) => {
      for (const d of round.decisions) {
        if (d.outcome === 'unique') {
          const key = `${Math.floor(i / 2)}:${d.eventId ?? ''}`;
          uniques.set(key, (uniques.get(key) ?? 0) + 1);
        }
      }
    });
    // One unique per key and scope (the first and the third round), never two.
    expect(uniques.size).toBe(2 * ids.length);
    expect([...uniques.values()].every((n) => n === 1)).toBe(true);
    expect(rounds.slice(2, 4).every((r) => r.decisions.every((d) => d.outcome === 'duplicate'))).toBe(true);
    const hits = (await cacheLookups(a)).hit + (await cacheLookups(b)).hit;
    expect(hits).toBeGreaterThanOrEqual(ids.length);
  });

  it('decides a copy of a key the expiry sweep deleted as late, and the sweep evicts it', async () => {
    const name = `expired-${randomBytes(4).toString('hex')}`;
    const p = await processor(name, sliding(1_000));
    expect(outcome(await decide(p, [record(5, 'a', T)]))).toEqual(['unique']);
    expect(p.cache.get('event_id:a')).toBeDefined();
    expect(outcome(await decide(p, [record(5, 'x', T + 5_000)]))).toEqual(['unique']);
    // The watermark (T + 5 s) is past a's expiry (T + 1 s): the sweep deletes it from Postgres.
    const expiryRepository = new StateExpiryRepository(p.dataSource);
    expect(await expiryRepository.deleteExpired(name, 0, 100)).toBe(1);
    // The cache still holds a, in scope for T + 500: the record is late all the same.
    const copy = await decide(p, [record(5, 'a', T + 500)]);
    expect(outcome(copy)).toEqual(['late']);
    expect(await cacheLookups(p)).toMatchObject({ hit: 1 });
    // The service's sweep drops what the horizon passed from the cache too.
    const service = new StateExpiryService(p.config, expiryRepository, p.metrics, p.cache, logger);
    await service.sweep();
    expect(p.cache.get('event_id:a')).toBeUndefined();
    expect(p.cache.get('event_id:x')).toBeDefined();
  });

  it('names an earlier claim when another processor re-claimed the key: still a duplicate', async () => {
    const name = `reclaim-${randomBytes(4).toString('hex')}`;
    const [a, b] = await Promise.all([processor(name, sliding(1_000)), processor(name, sliding(1_000))]);
    expect(outcome(await decide(a, [record(6, 'a', T)]))).toEqual(['unique']); // 6@0, scope < T + 1 s
    // B re-claims `a` past that scope on its partition (6@0's state is replaced in Postgres).
    expect(outcome(await decide(b, [record(7, 'a', T + 1_100)]))).toEqual(['unique']);
    // A copy inside both scopes, on A: from A's cache, a duplicate of 6@0; Postgres would name 7@0.
    const copy = await decide(a, [record(6, 'a', T + 900)]);
    expect(outcome(copy)).toEqual(['duplicate']);
    expect(['6@0', '7@0']).toContain(firstOf(copy));
    const fresh = await processor(name, sliding(1_000), { STATE_CACHE_SIZE: '0' });
    expect(firstOf(await decide(fresh, [record(8, 'a', T + 950)]))).toBe('7@0');
  });

  it('caches nothing of a transaction that rolled back', async () => {
    const name = `rollback-${randomBytes(4).toString('hex')}`;
    const p = await processor(name, sliding(60_000));
    // U+0000 cannot be stored in Postgres text: the audit insert fails and the transaction rolls back.
    await expect(decide(p, [record(9, 'ok', T), record(9, 'bad\u0000', T)])).rejects.toThrow();
    expect(p.cache.size).toBe(0);
    const { rows } = await pool.query('SELECT 1 FROM dedup_claim WHERE pipeline = $1', [name]);
    expect(rows).toHaveLength(0);
    expect(outcome(await decide(p, [record(9, 'ok', T)]))).toEqual(['unique']);
    expect(p.cache.get('event_id:ok')).toBeDefined();
  });

  it('approximate mode: two processors never both accept one key; the audit says approximate', async () => {
    const name = `bloom-${randomBytes(4).toString('hex')}`;
    const semantics = {
      ...sliding(1_000),
      approximate: { falsePositiveRate: 0.001, expectedKeysPerSecond: 10_000 },
    };
    const [a, b] = await Promise.all([processor(name, semantics), processor(name, semantics)]);
    const ids = Array.from({ length: 150 }, (_, i) => `k${i}`);
    const [ra, rb] = await Promise.all([
      decide(
        a,
        ids.map((id) => record(10, id, T)),
      ),
      decide(
        b,
        ids.map((id) => record(11, id, T)),
      ),
    ]);
    const all = [...ra.decisions, ...rb.decisions];
    expect(all.filter((d) => d.outcome === 'unique')).toHaveLength(ids.length);
    expect(all.filter((d) => d.outcome === 'duplicate')).toHaveLength(ids.length);
    expect(all.every((d) => d.approximate)).toBe(true);
    // Past the window (plus at most a quarter): unique again.
    const later = await decide(
      a,
      ids.map((id) => record(10, id, T + 1_250)),
    );
    expect(later.decisions.every((d) => d.outcome === 'unique')).toBe(true);
    const audit = await pool.query<{
      outcome: string;
      approximate: boolean;
      first_offset: string | null;
      reason: string;
    }>(
      `SELECT outcome, approximate, first_offset::text, reason FROM event_audit
        WHERE pipeline = $1 AND outcome = 'duplicate' LIMIT 1`,
      [name],
    );
    expect(audit.rows[0]).toMatchObject({ approximate: true, first_offset: null });
    expect(audit.rows[0]?.reason).toMatch(
      /^probable duplicate by event_id: key found in the Bloom filter of generation \d+/,
    );
    // No exact state was written: the stripes are the state.
    expect((await pool.query('SELECT 1 FROM dedup_claim WHERE pipeline = $1', [name])).rows).toHaveLength(0);
    const stripes = await pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM bloom_block WHERE pipeline = $1',
      [name],
    );
    expect(Number(stripes.rows[0]?.n)).toBeGreaterThan(0);
    expect(Number(stripes.rows[0]?.n)).toBeLessThanOrEqual(a.config.approximate?.blocks ?? 0);
  });

  describe("a round: several partitions' batches in one transaction (docs/adr/0019)", () => {
    const batchOf = (records: DecidableRecord[]) => {
      const last = records.at(-1)?.parsed.coords;
      if (last === undefined) throw new Error('empty batch');
      return { topic: 'raw', partition: last.partition, records, lastOffset: last.offset };
    };
    async function auditOf(name: string) {
      const rows = await pool.query<{ coords: string; outcome: string; first: string | null }>(
        `SELECT source_partition || '@' || source_offset AS coords, outcome,
                first_partition || '@' || first_offset AS first
           FROM event_audit WHERE pipeline = $1 ORDER BY source_partition, source_offset`,
        [name],
      );
      return rows.rows;
    }
    async function rollupCount(name: string): Promise<number> {
      const r = await pool.query<{ n: string }>(
        'SELECT coalesce(sum(count), 0)::text AS n FROM outcome_rollup WHERE pipeline = $1',
        [name],
      );
      return Number(r.rows[0]?.n);
    }

    for (const mode of ['exact', 'approximate'] as const) {
      it(`${mode}: decides the batches in partition order, each seeing the one before; a re-delivered round changes nothing`, async () => {
        const name = `round-${mode}-${randomBytes(4).toString('hex')}`;
        const p = await processor(name, {
          ...sliding(60_000),
          ...(mode === 'approximate'
            ? { approximate: { falsePositiveRate: 0.001, expectedKeysPerSecond: 10_000 } }
            : {}),
        });
        // Offsets of their own: partitions 20-22 start at 0 in this pipeline.
        const p0 = [record(20, 'a', T), record(20, 'b', T + 1)];
        const p1 = [record(21, 'a', T + 2), record(21, 'c', T + 3), record(21, 'c', T + 4)];
        const p2 = [record(22, 'b', T + 5)];
        // Given out of partition order: decided in it, answered in the order given.
        const round = [batchOf(p2), batchOf(p1), batchOf(p0)];
        const [d2, d1, d0] = await p.decider.decideRound(round, T + 10);
        if (d0 === undefined || d1 === undefined || d2 === undefined) throw new Error('missing result');
        expect(outcome(d0)).toEqual(['unique', 'unique']);
        expect(outcome(d1)).toEqual(['duplicate', 'unique', 'duplicate']);
        expect(outcome(d2)).toEqual(['duplicate']);
        if (mode === 'exact') {
          expect(firstOf(d1)).toBe(`20@${p0[0]?.parsed.coords.offset}`);
          expect(firstOf(d2)).toBe(`20@${p0[1]?.parsed.coords.offset}`);
        }
        // Each batch was judged against the watermark the one before it left.
        expect(d1.watermarkBefore).toBeGreaterThanOrEqual(d0.watermarkBefore ?? -Infinity);
        const audit = await auditOf(name);
        expect(audit.map((r) => r.outcome)).toEqual([
          'unique',
          'unique',
          'duplicate',
          'unique',
          'duplicate',
          'duplicate',
        ]);
        expect(await rollupCount(name)).toBe(6);
        const progress = await pool.query<{ partition: number; last_offset: string }>(
          'SELECT partition, last_offset::text FROM partition_progress WHERE pipeline = $1 ORDER BY partition',
          [name],
        );
        expect(progress.rows).toEqual([
          { partition: 20, last_offset: p0.at(-1)?.parsed.coords.offset },
          { partition: 21, last_offset: p1.at(-1)?.parsed.coords.offset },
          { partition: 22, last_offset: p2.at(-1)?.parsed.coords.offset },
        ]);

        // The same round again (a crash between the Postgres and the Kafka commit): the recorded
        // decisions, no new audit row, no count twice; with a fresh record appended to one batch.
        const again = await p.decider.decideRound(
          [batchOf(p0), batchOf([...p1, record(21, 'a', T + 6)]), batchOf(p2)],
          T + 20,
        );
        expect(again.map(outcome)).toEqual([
          ['unique', 'unique'],
          ['duplicate', 'unique', 'duplicate', 'duplicate'],
          ['duplicate'],
        ]);
        expect((await auditOf(name)).length).toBe(7);
        expect(await rollupCount(name)).toBe(7);
      });
    }

    it('gives up on a partition another transaction holds (a shared round only), so its other partitions go on', async () => {
      const name = `round-locked-${randomBytes(4).toString('hex')}`;
      const p = await processor(name, sliding(60_000));
      const holder = await pool.connect();
      try {
        await holder.query('BEGIN');
        // Partition 41's lock, as another owner's open transaction holds it.
        await holder.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${name}/raw/41`]);
        const started = Date.now();
        await expect(
          p.decider.decideRound([batchOf([record(40, 'x', T)]), batchOf([record(41, 'y', T)])], T),
        ).rejects.toThrow(/lock timeout/);
        expect(Date.now() - started).toBeLessThan(ROUND_PARTITION_LOCK_WAIT_MS + 2_000);
        // Nothing of the failed round was written; partition 40 alone goes on.
        expect(await auditOf(name)).toEqual([]);
        const alone = await p.decider.decideRound([batchOf([record(40, 'z', T)])], T);
        expect(alone.map(outcome)).toEqual([['unique']]);
      } finally {
        await holder.query('ROLLBACK');
        holder.release();
      }
    });

    it('refuses two batches of one partition, or of two topics, in one round', async () => {
      const p = await processor(`round-bad-${randomBytes(4).toString('hex')}`, sliding(60_000));
      await expect(
        p.decider.decideRound([batchOf([record(30, 'x', T)]), batchOf([record(30, 'y', T)])], T),
      ).rejects.toThrow(/one batch per partition/);
      await expect(
        p.decider.decideRound(
          [batchOf([record(31, 'x', T)]), { ...batchOf([record(32, 'y', T)]), topic: 'other' }],
          T,
        ),
      ).rejects.toThrow(/one topic/);
    });
  });
});
