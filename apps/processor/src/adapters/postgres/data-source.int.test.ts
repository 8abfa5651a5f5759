import { createDataSource } from './data-source';

// Integration tier: real Postgres. The pool's sessions carry the idle-in-transaction timeout, so a
// processor frozen inside a batch transaction cannot hold its partition's locks for ever.
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');

describe('the processor data source on real Postgres', () => {
  it('ends a transaction left idle longer than the configured timeout', async () => {
    const dataSource = await createDataSource(databaseUrl, 1, 300).initialize();
    try {
      const [setting] = await dataSource.query<{ idle_in_transaction_session_timeout: string }[]>(
        'SHOW idle_in_transaction_session_timeout',
      );
      expect(setting?.idle_in_transaction_session_timeout).toBe('300ms');
      const frozen = dataSource.transaction(async (m) => {
        await m.query('SELECT 1');
        await new Promise((r) => setTimeout(r, 1_000)); // "frozen" between two statements
        await m.query('SELECT 1');
      });
      await expect(frozen).rejects.toThrow(/idle-in-transaction|terminat|Connection/i);
      // The pool replaces the ended session.
      expect(await dataSource.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await dataSource.destroy();
    }
  });
});
