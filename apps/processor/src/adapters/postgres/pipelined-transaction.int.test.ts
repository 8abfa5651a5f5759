import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { createDataSource } from './data-source';
import { inPipelinedTransaction, PREPARED } from './pipelined-transaction';

// Integration tier: real Postgres. The pipelined transaction sends its statements as literals in one
// simple-protocol string per round trip (docs/adr/0012): every value must come back as it went in,
// no value can change the statement, and a failing write must leave nothing behind.
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');

describe('pipelined transactions on real Postgres', () => {
  const dataSource = createDataSource(databaseUrl, 2);
  const table = `pipelined_${randomBytes(4).toString('hex')}`;
  let sent: string[] = [];
  // Called with the client as `this` below: the spy wraps the method itself.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const query = Client.prototype.query;

  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.query(`CREATE TABLE ${table} (id int PRIMARY KEY, body text)`);
    // Counts the round trips: every query string a pg client sends.
    jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      if (typeof args[0] === 'string') sent.push(args[0]);
      return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
    });
  });
  beforeEach(() => {
    sent = [];
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await dataSource.query(`DROP TABLE ${table}`);
    await dataSource.destroy();
  });

  it('gives every value back exactly, whatever it holds', async () => {
    const hostile = [
      "it's",
      "'; DROP TABLE students; --",
      'back\\slash \\x41 \\\\',
      '$1 $2 $$ $tag$',
      '-- not a comment',
      'emoji 🦆 and ünïcödé',
      '',
    ];
    // Each value bound into the statement's text, and as an EXECUTE argument of a prepared one.
    const roundTrip = (options?: typeof PREPARED) =>
      inPipelinedTransaction(dataSource, (sql) =>
        Promise.all(
          hostile.map((value) =>
            sql.read<{ v: string; n: string; a: string[]; e: string[] }>(
              `SELECT $1::text AS v, (10-$2)::text AS n, $3::text[] AS a, $4::text[] AS e`,
              [value, -5, [value, null, 'x'], []],
              options,
            ),
          ),
        ),
      );
    const expected = hostile.map((v) => [{ v, n: '15', a: [v, null, 'x'], e: [] }]);
    expect(await roundTrip()).toEqual(expected);
    // BEGIN, the seven reads and COMMIT in two round trips, none prepared.
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toMatch(/PREPARE|EXECUTE/);
    expect(await roundTrip(PREPARED)).toEqual(expected);
    expect(sent[2]).toMatch(/PREPARE dedup_\w+ AS SELECT/);
    const [bytes] = await inPipelinedTransaction(dataSource, (sql) =>
      sql.read<{ b: Buffer; big: string; t: boolean }>(
        `SELECT $1::bytea AS b, $2::bigint AS big, $3::boolean AS t`,
        [Buffer.from([0, 1, 0xff, 0x27]), 9_007_199_254_740_993n, true],
      ),
    );
    expect(bytes).toEqual({ b: Buffer.from([0, 1, 0xff, 0x27]), big: '9007199254740993', t: true });
  });

  it('refuses NUL in text and non-finite numbers before sending anything', async () => {
    const nul = inPipelinedTransaction(dataSource, (sql) => sql.read(`SELECT $1::text`, ['a\u0000b']));
    await expect(nul).rejects.toThrow(/U\+0000/);
    // The data exception (class 22) Postgres gives a bound parameter with NUL: the pipeline does not
    // retry it but decides the batch record by record (retry.ts, isTransientDatabaseError).
    await expect(nul).rejects.toMatchObject({ code: '22021', driverError: { code: '22021' } });
    await expect(
      inPipelinedTransaction(dataSource, (sql) => sql.read(`SELECT $1`, [Number.NaN])),
    ).rejects.toThrow(/finite/);
    expect(sent).toEqual([]);
  });

  it('sends queued writes with the next read, in order, and the rest with the COMMIT', async () => {
    const seen = await inPipelinedTransaction(dataSource, async (sql) => {
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [1, 'one'], PREPARED);
      sql.queue(`UPDATE ${table} SET body = $2 WHERE id = $1`, [1, 'uno'], PREPARED);
      const rows = await sql.read<{ body: string }>(`SELECT body FROM ${table} WHERE id = $1`, [1], PREPARED);
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [2, 'two'], PREPARED);
      return rows;
    });
    expect(seen).toEqual([{ body: 'uno' }]);
    expect(sent).toHaveLength(2);
    // Each statement prepared on its connection the first time, executed with literal arguments.
    expect(sent[0]).toMatch(
      /^BEGIN;\nPREPARE (dedup_\w+) AS INSERT .*;\nEXECUTE \1\(1, 'one'\);\nPREPARE (dedup_\w+) AS UPDATE .*;\nEXECUTE \2\(1, 'uno'\);\nPREPARE (dedup_\w+) AS SELECT .*;\nEXECUTE \3\(1\)$/s,
    );
    expect(sent[1]).toMatch(/^EXECUTE dedup_\w+\(2, 'two'\);\nCOMMIT$/s);
    expect(await dataSource.query(`SELECT id, body FROM ${table} ORDER BY id`)).toEqual([
      { id: 1, body: 'uno' },
      { id: 2, body: 'two' },
    ]);
  });

  it('rolls back everything when a queued write fails at the COMMIT, as a QueryFailedError', async () => {
    const failed = inPipelinedTransaction(dataSource, async (sql) => {
      await sql.read(`SELECT 1`);
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [3, 'three']);
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [1, 'again'], PREPARED); // primary key taken
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [4, 'four']);
    });
    await expect(failed).rejects.toBeInstanceOf(QueryFailedError);
    await expect(failed).rejects.toMatchObject({ code: '23505', driverError: { code: '23505' } });
    expect(sent.at(-1)).toBe('ROLLBACK; DEALLOCATE ALL');
    expect(await dataSource.query(`SELECT id FROM ${table} ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    // The connection went back to the pool usable, outside any transaction.
    const [state] = await dataSource.query<{ s: string }[]>(`SELECT now() = statement_timestamp() AS s`);
    expect(state).toEqual({ s: true });
  });

  it('rejects every read that shared the failed round trip, and rolls back', async () => {
    const failed = inPipelinedTransaction(dataSource, (sql) =>
      Promise.all([sql.read(`SELECT 1`), sql.read(`SELECT 1/0`), sql.read(`SELECT 2`)]),
    );
    await expect(failed).rejects.toThrow(/division by zero/);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toBe('ROLLBACK; DEALLOCATE ALL');
  });

  it('prepares a statement once per connection, and again after a failed transaction', async () => {
    const single = await createDataSource(databaseUrl, 1).initialize();
    sent = [];
    try {
      const once = () =>
        inPipelinedTransaction(single, (sql) =>
          sql.read<{ n: number }>(`SELECT $1::int + 1 AS n`, [41], PREPARED),
        );
      expect(await once()).toEqual([{ n: 42 }]);
      expect(await once()).toEqual([{ n: 42 }]);
      expect(sent[0]).toMatch(/^BEGIN;\nPREPARE dedup_\w+ AS SELECT/);
      expect(sent[2]).toMatch(/^BEGIN;\nEXECUTE dedup_\w+\(41\)$/);
      await expect(
        inPipelinedTransaction(single, (sql) =>
          Promise.all([
            sql.read(`SELECT $1::int + 1 AS n`, [1], PREPARED),
            sql.read(`SELECT 1/$1::int`, [0], PREPARED),
          ]),
        ),
      ).rejects.toThrow(/division by zero/);
      sent = [];
      expect(await once()).toEqual([{ n: 42 }]);
      expect(sent[0]).toMatch(/^BEGIN;\nPREPARE dedup_\w+ AS SELECT/);
    } finally {
      await single.destroy();
    }
  });

  it('fails the transaction, not the process, when its connection dies between trips', async () => {
    const failed = inPipelinedTransaction(dataSource, async (sql) => {
      const [me] = await sql.read<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
      await dataSource.query(`SELECT pg_terminate_backend($1)`, [me?.pid]);
      // The server's FATAL and the closed socket arrive while no query runs: an 'error' event.
      await new Promise((r) => setTimeout(r, 300));
      await sql.read(`SELECT 1`);
    });
    await expect(failed).rejects.toThrow();
    // The dead connection was destroyed, not given back: the pool goes on.
    expect(await dataSource.query(`SELECT 1 AS ok`)).toEqual([{ ok: 1 }]);
    expect(await inPipelinedTransaction(dataSource, (sql) => sql.read(`SELECT 2 AS two`))).toEqual([
      { two: 2 },
    ]);
  });

  it('keeps the order asked when a write follows a read in the same tick', async () => {
    const rows = await inPipelinedTransaction(dataSource, async (sql) => {
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [10, 'ten']);
      const before = sql.read<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE id >= 10`);
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [11, 'eleven']);
      const after = sql.read<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE id >= 10`);
      return Promise.all([before, after]);
    });
    expect(rows).toEqual([[{ n: '1' }], [{ n: '2' }]]);
    expect(sent).toHaveLength(2);
    await dataSource.query(`DELETE FROM ${table} WHERE id >= 10`);
  });

  it('does not commit after a trip failed, even if nobody awaited its read', async () => {
    const failed = inPipelinedTransaction(dataSource, async (sql) => {
      sql.queue(`INSERT INTO ${table} VALUES ($1, $2)`, [20, 'twenty']);
      void sql.read(`SELECT 1/0`).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
    });
    await expect(failed).rejects.toThrow(/division by zero/);
    expect(await dataSource.query(`SELECT id FROM ${table} WHERE id = 20`)).toEqual([]);
  });

  it('sends nothing for a transaction that asked nothing', async () => {
    expect(await inPipelinedTransaction(dataSource, () => Promise.resolve(7))).toBe(7);
    expect(sent).toEqual([]);
  });
});
