import type { ClaimCandidate, Decision } from '@dedup/core';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createDataSource } from './data-source';
import { DedupRepository } from './dedup.repository';

// Integration tier: real Postgres with the real migrations (applied by the jest globalSetup).
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');
const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const pool = new Pool({ connectionString: databaseUrl, max: 2 });
const testPool = () => pool;

const candidate = (key: string, partition: number, offset: number): ClaimCandidate => ({
  key,
  eventId: key,
  origin: { topic: 'raw', partition, offset: String(offset) },
  eventTime: 1_700_000_000_000,
});

describe('dedup claims on real Postgres', () => {
  const sources = [0, 1].map(() => createDataSource(databaseUrl, 4));

  beforeAll(async () => {
    await Promise.all(sources.map((s) => s.initialize()));
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await pool.end();
  });

  it('lets exactly one of two concurrent connections win each key', async () => {
    const pipeline = { name: uniqueName('claims'), version: '1' };
    const [a, b] = sources.map((s) => new DedupRepository(s, pipeline));
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    // Both claim all keys, in opposite orders, from different partitions, holding their
    // transactions open across a pause so the two really overlap.
    const claimAll = (repo: DedupRepository, partition: number, order: string[]) =>
      repo.inTransaction(async (tx) => {
        const result = await tx.claim(order.map((k, i) => candidate(k, partition, i)));
        await new Promise((r) => setTimeout(r, 50));
        return result;
      });
    const [ra, rb] = await Promise.all([claimAll(a!, 0, keys), claimAll(b!, 1, [...keys].reverse())]);
    for (const key of keys) {
      const ca = ra.get(key);
      const cb = rb.get(key);
      expect(ca).toBeDefined();
      expect(cb).toBeDefined();
      // Both transactions agree on the single winner of every key.
      expect(ca!.origin).toEqual(cb!.origin);
    }
    const { rows } = await testPool().query<{ n: string }>(
      'SELECT count(*)::text AS n FROM dedup_claim WHERE pipeline = $1',
      [pipeline.name],
    );
    expect(Number(rows[0]!.n)).toBe(keys.length);
  });

  it('returns the same claim to a re-delivered record (its own origin) and writes audit rows once', async () => {
    const pipeline = { name: uniqueName('redeliver'), version: '1' };
    const repo = new DedupRepository(sources[0]!, pipeline);
    const c = candidate('event_id:x', 2, 41);
    const decide = async () =>
      repo.inTransaction(async (tx) => {
        const claims = await tx.claim([c]);
        const claim = claims.get(c.key)!;
        const decision: Decision = {
          outcome: 'unique',
          coords: c.origin,
          key: c.key,
          record: {
            kind: 'valid',
            coords: c.origin,
            event: {
              event_id: 'x',
              event_type: 't',
              event_time: c.eventTime,
              payload: {},
              schema_version: 1,
            },
          },
        };
        await tx.record([decision], new Map());
        return claim;
      });
    const first = await decide();
    const again = await decide();
    expect(again).toEqual(first);
    expect(again.origin).toEqual(c.origin);
    const audit = await testPool().query('SELECT outcome FROM event_audit WHERE pipeline = $1', [
      pipeline.name,
    ]);
    expect(audit.rows).toEqual([{ outcome: 'unique' }]);
    const rollup = await testPool().query<{ count: string }>(
      'SELECT sum(count)::text AS count FROM outcome_rollup WHERE pipeline = $1',
      [pipeline.name],
    );
    expect(rollup.rows[0]!.count).toBe('1');
  });
});
