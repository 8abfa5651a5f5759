import { randomBytes } from 'node:crypto';
import { createDataSource } from '../../adapters/postgres/data-source';
import { ActionLogRepository, type ActionEntry } from './action-log.repository';

// Integration tier: real Postgres with the real migrations. A logged call gets its row even when
// its input or error holds text that Postgres text and jsonb refuse (U+0000, an unpaired surrogate).
const databaseUrl = process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('DATABASE_URL must point at a real Postgres: run `npm test`');

describe('the action log on real Postgres', () => {
  const dataSource = createDataSource(databaseUrl, 2);
  const pipeline = `actions-${randomBytes(4).toString('hex')}`;
  const repository = new ActionLogRepository(dataSource);
  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());

  it('writes the row of an input holding U+0000, with U+FFFD in its place', async () => {
    const entry: ActionEntry = {
      pipeline,
      actor: 'user:a\u0000',
      actorName: 'a\u0000b',
      actorKind: 'user',
      role: 'operator',
      action: 'backfills.preview',
      method: 'POST',
      path: '/api/backfills/preview',
      target: 'backfill/\u0000',
      details: { body: { reason: 'ab\u0000c', 'k\u0000': ['\u0000', '\ud800'] } },
      dryRun: true,
      result: 'rejected',
      statusCode: 400,
      error: 'invalid body: reason "ab\u0000c"',
      requestId: 'r-1',
      traceId: null,
      remoteAddress: '127.0.0.1',
    };
    await repository.insert(entry);
    const { actions } = await repository.list(pipeline, { limit: 10 });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      actor: 'user:a\uFFFD',
      actorName: 'a\uFFFDb',
      target: 'backfill/\uFFFD',
      details: { body: { reason: 'ab\uFFFDc', 'k\uFFFD': ['\uFFFD', '\uFFFD'] } },
      error: 'invalid body: reason "ab\uFFFDc"',
      statusCode: 400,
    });
  });
});
