import {
  dlqGroupsResponseSchema,
  dlqListResponseSchema,
  dlqRecordSchema,
  type DlqGroup,
  type DlqRecordSummary,
} from '@dedup/contracts';
import { produce } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * DLQ triage on the real processor (issue 14; docs/dlq.md): poison records produced by an
 * independent client land in the DLQ table, grouped by the fingerprint of their cause; the list
 * filters and pages; one record comes back whole (bytes, headers, the fields its error names);
 * discarding needs a reason, touches only open records, and leaves one action-log row per call.
 */
describe('DLQ triage API', () => {
  const name = uniqueName('dlq');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;

  const valid = (i: number) => ({
    key: `ok-${i}`,
    value: JSON.stringify({
      event_id: `ok-${i}`,
      event_type: 't',
      event_time: Date.now(),
      payload: {},
      schema_version: 1,
    }),
  });
  // Three causes: JSON that does not parse (5, each with its own text), an event_time that is not
  // a date (3, with different values), and a missing event_id (2).
  const notJson = Array.from({ length: 5 }, (_, i) => ({
    key: `nj-${i}`,
    value: `not json #${i} "quoted ${i}"`,
    headers: { 'x-origin': `test-${i}` },
  }));
  const badTime = Array.from({ length: 3 }, (_, i) => ({
    key: `bt-${i}`,
    value: JSON.stringify({
      event_id: `bt-${i}`,
      event_type: 't',
      event_time: `yesterday+${i}`,
      payload: { n: i },
      schema_version: 1,
    }),
  }));
  const noId = Array.from({ length: 2 }, (_, i) => ({
    key: `ni-${i}`,
    value: JSON.stringify({ event_type: 't', event_time: Date.now(), payload: { i }, schema_version: 1 }),
  }));

  const get = async (path: string) => {
    const res = await processor!.get(path);
    return { status: res.status, body: await res.json() };
  };
  const groups = async (status = 'open'): Promise<DlqGroup[]> => {
    const res = await get(`/api/dlq/groups?status=${status}`);
    expect(res.status).toBe(200);
    return dlqGroupsResponseSchema.parse(res.body).groups;
  };
  const list = async (query: string): Promise<{ records: DlqRecordSummary[]; nextCursor: string | null }> => {
    const res = await get(`/api/dlq?${query}`);
    expect(res.status).toBe(200);
    return dlqListResponseSchema.parse(res.body);
  };
  const discard = async (body: unknown, role: 'operator' | 'viewer' = 'operator') => {
    const res = await processor!.call('POST', '/api/dlq/discard', body, role);
    return { status: res.status, body: (await res.json()) as { discarded?: number; message?: string } };
  };

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2 });
    await produce(topics.input, [...notJson, valid(1), ...badTime, valid(2), ...noId]);
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    await eventually('10 records in the DLQ', async () => {
      const res = await get('/api/dlq/groups');
      const body = dlqGroupsResponseSchema.parse(res.body);
      return body.total === 10 ? body : undefined;
    });
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('groups the open records by the fingerprint of their cause, largest first', async () => {
    const res = dlqGroupsResponseSchema.parse((await get('/api/dlq/groups')).body);
    expect(res.total).toBe(10);
    expect(res.oldestFailureAt).not.toBeNull();
    expect(res.groups.map((g) => [g.errorType, g.count])).toEqual([
      ['invalid_json', 5],
      ['schema_violation', 3],
      ['schema_violation', 2],
    ]);
    const [json, time, id] = res.groups as [DlqGroup, DlqGroup, DlqGroup];
    // Quoted text and digits are masked, so five different messages are one cause.
    expect(json.cause).toMatch(/^invalid_json: record value is not JSON: /);
    expect(json.cause).not.toMatch(/\d/);
    expect(time.cause).toMatch(/^schema_violation: event_time: /);
    expect(id.cause).toMatch(/^schema_violation: event_id: /);
    for (const g of res.groups) {
      expect(g.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(g.sourceTopics).toEqual([topics.input]);
      // Failures per clock hour: all failed a moment ago, in this hour's bucket (or the one before,
      // across an hour boundary).
      expect(g.lastDay).toHaveLength(24);
      expect((g.lastDay[22] ?? 0) + (g.lastDay[23] ?? 0)).toBe(g.count);
      expect(g.lastDay.slice(0, 22).every((n) => n === 0)).toBe(true);
    }
    const sample = dlqRecordSchema.parse((await get(`/api/dlq/${json.sampleId}`)).body);
    expect(sample.fingerprint).toBe(json.fingerprint);
    expect(sample.errorMessage).toBe(json.sampleMessage);
  });

  it('lists with filters and keyset pages, newest failure first', async () => {
    const [json] = await groups();
    const all = await list(`fingerprint=${json!.fingerprint}`);
    expect(all.records).toHaveLength(5);
    expect(all.nextCursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await list(`fingerprint=${json!.fingerprint}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.records.length).toBeLessThanOrEqual(2);
      seen.push(...page.records.map((r) => r.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all.records.map((r) => r.id));
    const times = all.records.map((r) => r.lastFailureAt);
    expect([...times].sort().reverse()).toEqual(times);

    expect((await list('q=quoted%203')).records.map((r) => r.valuePreview)).toEqual([
      'not json #3 "quoted 3"',
    ]);
    expect((await list('q=%25')).records).toHaveLength(0);
    expect((await list('errorType=schema_violation')).records).toHaveLength(5);
    const p0 = (await list('sourcePartition=0')).records.length;
    const p1 = (await list('sourcePartition=1')).records.length;
    expect(p0 + p1).toBe(10);
    expect((await list(`sourceTopic=${topics.output}`)).records).toHaveLength(0);
    expect((await list('from=2999-01-01T00:00:00Z')).records).toHaveLength(0);
  });

  it('returns one record whole: key, value and headers as sent, and the fields its error names', async () => {
    const [, time] = await groups();
    const [first] = (await list(`fingerprint=${time!.fingerprint}&limit=1`)).records;
    const record = dlqRecordSchema.parse((await get(`/api/dlq/${first!.id}`)).body);
    const sent = badTime.find((m) => m.key === record.key);
    expect(sent).toBeDefined();
    expect(record.value).toBe(sent!.value);
    expect(Buffer.from(record.valueBase64 ?? '', 'base64').toString()).toBe(sent!.value);
    expect(record.invalidFields).toEqual(['event_time']);
    expect(record).toMatchObject({ status: 'open', attempts: 1, pipeline: name, statusReason: null });

    const [json] = await groups();
    const withHeader = dlqRecordSchema.parse((await get(`/api/dlq/${json!.sampleId}`)).body);
    expect(withHeader.headers['x-origin']).toMatch(/^test-\d$/);
    expect(withHeader.invalidFields).toEqual([]);

    expect((await get('/api/dlq/999999999')).status).toBe(404);
    expect((await get('/api/dlq/abc')).status).toBe(400);
    expect((await get('/api/dlq?fingerprint=xyz')).status).toBe(400);
    expect((await get('/api/dlq/groups?status=lost')).status).toBe(400);
  });

  it('discards open records with a reason, once, and logs every call', async () => {
    const [json, , id] = await groups();
    const two = (await list(`fingerprint=${json!.fingerprint}&limit=2`)).records.map((r) => r.id);

    expect(await discard({ selection: { ids: two } })).toMatchObject({ status: 400 });
    expect(await discard({ selection: { ids: two }, reason: 'x' })).toMatchObject({ status: 400 });
    expect(await discard({ selection: { ids: two }, reason: 'fixed upstream' }, 'viewer')).toMatchObject({
      status: 403,
    });
    expect(await discard({ selection: { ids: two }, reason: 'fixed upstream' })).toEqual({
      status: 200,
      body: { discarded: 2 },
    });
    // Again: they are no longer open, so nothing changes.
    expect(await discard({ selection: { ids: two }, reason: 'fixed upstream' })).toEqual({
      status: 200,
      body: { discarded: 0 },
    });
    expect(
      await discard({
        selection: { filter: { fingerprint: id!.fingerprint } },
        reason: 'producer bug, fixed',
      }),
    ).toEqual({ status: 200, body: { discarded: 2 } });
    // A filter on a status a discard does not take would select nothing it can act on: refused, saying why.
    const refused = await discard({ selection: { filter: { status: 'discarded' } }, reason: 'cleanup' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('a discard takes open or quarantined records only');

    expect((await groups()).map((g) => g.count)).toEqual([3, 3]);
    const discarded = await list('status=discarded');
    expect(discarded.records).toHaveLength(4);
    const one = dlqRecordSchema.parse((await get(`/api/dlq/${two[0]}`)).body);
    expect(one).toMatchObject({
      status: 'discarded',
      statusReason: 'fixed upstream',
      statusChangedBy: 'local:test-operator',
    });

    const actions = await testPool().query<{
      result: string;
      status_code: number | null;
      role: string | null;
    }>(
      `SELECT result, status_code, role FROM operator_action WHERE pipeline = $1 AND action = 'dlq.discard' ORDER BY id`,
      [name],
    );
    expect(actions.rows.map((r) => r.result)).toEqual([
      'rejected',
      'rejected',
      'refused',
      'ok',
      'ok',
      'ok',
      'rejected',
    ]);

    // The group statistics the groups and totals read (kept by triggers) equal a count of the rows.
    const stats = await testPool().query<{ status: string; fingerprint: string; n: number; actual: number }>(
      `SELECT s.status, s.fingerprint, s.n::int AS n,
              (SELECT count(*)::int FROM dlq_record d WHERE d.pipeline = s.pipeline AND d.status = s.status
                  AND d.fingerprint = s.fingerprint AND d.source_topic = s.source_topic) AS actual
         FROM dlq_group_counts s WHERE s.pipeline = $1`,
      [name],
    );
    expect(stats.rows.length).toBeGreaterThanOrEqual(4);
    for (const row of stats.rows) expect(row.n).toBe(row.actual);
  });
});
