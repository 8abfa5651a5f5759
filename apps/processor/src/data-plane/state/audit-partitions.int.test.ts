import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { StateExpiryRepository } from './state-expiry.repository';
import { createDataSource, MIGRATIONS } from '../../adapters/postgres/data-source';

// Integration tier: real Postgres, a database of its own per test so the migrations run from the
// start (the shared one is already migrated by the jest globalSetup).
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');

const DAY_MS = 86_400_000;
const BEFORE_PARTITIONS = MIGRATIONS.findIndex((m) => m.name.startsWith('AuditPartitions'));

async function withDatabase(work: (url: string) => Promise<void>): Promise<void> {
  const name = `audit_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(databaseUrl as string);
  url.pathname = `/${name}`;
  try {
    await work(url.toString());
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** A data source with only the migrations before the partitioned audit. */
function beforePartitions(url: string): DataSource {
  const source = createDataSource(url, 2);
  source.setOptions({ migrations: MIGRATIONS.slice(0, BEFORE_PARTITIONS) });
  return source;
}

async function insertAudit(db: DataSource, pipeline: string, offset: number, daysAgo: number): Promise<void> {
  await db.query(
    `INSERT INTO event_audit (pipeline, source_topic, source_partition, source_offset, event_id, outcome,
                              pipeline_version, processed_at)
     VALUES ($1, 'raw', 0, $2, $3, 'unique', '1', now() - $4::float8 * interval '1 day')`,
    [pipeline, offset, `e${offset}`, daysAgo],
  );
}

const partitions = async (db: DataSource): Promise<string[]> =>
  (
    await db.query<{ name: string }[]>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'event_audit'::regclass ORDER BY 1`,
    )
  ).map((r) => r.name);

const dayName = (daysAgo: number) =>
  `event_audit_p${new Date(Date.now() - daysAgo * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;

describe('the audit partitioned by day, on real Postgres', () => {
  it('moves the existing rows into day partitions, keeping their ids, and writes on after them', async () => {
    await withDatabase(async (url) => {
      const old = await beforePartitions(url).initialize();
      await old.runMigrations();
      for (const [offset, daysAgo] of [
        [0, 30],
        [1, 2],
        [2, 0],
      ] as const) {
        await insertAudit(old, 'p', offset, daysAgo);
      }
      const ids = await old.query<{ id: string }[]>(`SELECT id::text FROM event_audit ORDER BY id`);
      await old.destroy();

      const db = await createDataSource(url, 2).initialize();
      try {
        await db.runMigrations();
        expect(await db.query(`SELECT id::text FROM event_audit ORDER BY id`)).toEqual(ids);
        expect(await partitions(db)).toEqual(
          expect.arrayContaining([dayName(30), dayName(2), dayName(0), dayName(-3), 'event_audit_default']),
        );
        // Each row sits in its own day's partition.
        const placed = await db.query<{ part: string; n: string }[]>(
          `SELECT tableoid::regclass::text AS part, count(*)::text AS n FROM event_audit GROUP BY 1 ORDER BY 1`,
        );
        expect(placed).toEqual(
          [dayName(30), dayName(2), dayName(0)].sort().map((part) => ({ part, n: '1' })),
        );
        await insertAudit(db, 'p', 3, 0);
        const [last] = await db.query<{ id: string }[]>(`SELECT max(id)::text AS id FROM event_audit`);
        expect(BigInt(last?.id ?? 0)).toBeGreaterThan(BigInt(ids[2]?.id ?? 0));
      } finally {
        await db.destroy();
      }
    });
  });

  it('retention drops the day partitions past it whole, and nothing else', async () => {
    await withDatabase(async (url) => {
      const db = await createDataSource(url, 2).initialize();
      try {
        await db.runMigrations();
        await db.query(`SELECT dedup_audit_ensure_partition((now() AT TIME ZONE 'UTC')::date - d)
                          FROM unnest(ARRAY[20, 15, 14, 13, 1]) AS d`);
        let offset = 0;
        // Offset 2 is older than the cutoff (now − 14 days) but inside the day 14 days ago, whatever
        // the time of day: half of today's elapsed fraction past 14 days. (A fixed 14.2 fell into the
        // day 15 days ago in the first 4.8 hours after midnight UTC.)
        const today = (Date.now() % 86_400_000) / 86_400_000;
        for (const daysAgo of [20, 15, 14 + today / 2, 13, 1, 0]) {
          await insertAudit(db, 'p', offset++, daysAgo);
        }
        // Rows no day partition covers (a clock far off) land in the default partition: the old one
        // goes with retention too, the one from the future stays.
        await insertAudit(db, 'p', 101, 40);
        await insertAudit(db, 'p', 102, -30);
        expect(await db.query(`SELECT source_offset::text AS o FROM event_audit_default ORDER BY 1`)).toEqual(
          [{ o: '101' }, { o: '102' }],
        );

        const dropped = await new StateExpiryRepository(db).maintainAudit(14);

        // 20 and 15 days ago end before the cutoff (now − 14 days); 14 days ago ends after it.
        expect(dropped.sort()).toEqual([dayName(20), dayName(15)].sort());
        const left = await partitions(db);
        expect(left).not.toContain(dayName(20));
        expect(left).toEqual(expect.arrayContaining([dayName(14), dayName(13), dayName(1), dayName(0)]));
        // Tomorrow's and the next days' partitions are there before their first row.
        expect(left).toEqual(expect.arrayContaining([dayName(-1), dayName(-2), dayName(-3)]));
        const rows = await db.query<{ source_offset: string }[]>(
          `SELECT source_offset::text FROM event_audit ORDER BY event_audit.source_offset`,
        );
        // 0 (20 d) and 1 (15 d) dropped with their partitions, 101 (40 d, default) deleted; the rest kept.
        expect(rows.map((r) => r.source_offset)).toEqual(['2', '3', '4', '5', '102']);
        // A day's partition created after the default partition took rows of it: they move in.
        const future = await db.query<{ d: string }[]>(
          `SELECT ((now() AT TIME ZONE 'UTC')::date + 30)::text AS d`,
        );
        await db.query(`SELECT dedup_audit_ensure_partition($1::date)`, [future[0]?.d]);
        expect(await partitions(db)).toContain(dayName(-30));
        expect(
          await db.query(`SELECT tableoid::regclass::text AS part, source_offset::text AS o FROM event_audit
                           WHERE source_offset = 102`),
        ).toEqual([{ part: dayName(-30), o: '102' }]);
        expect(await db.query(`SELECT count(*)::int AS n FROM event_audit_default`)).toEqual([{ n: 0 }]);
        await insertAudit(db, 'p', 103, -30);
        expect(
          await db.query(
            `SELECT tableoid::regclass::text AS part FROM event_audit WHERE source_offset = 103`,
          ),
        ).toEqual([{ part: dayName(-30) }]);
        // Idempotent: nothing more to drop.
        expect(await new StateExpiryRepository(db).maintainAudit(14)).toEqual([]);
      } finally {
        await db.destroy();
      }
    });
  });
});
