import {
  DEDUP_HEADERS,
  dlqGroupsResponseSchema,
  dlqListResponseSchema,
  dlqRecordSchema,
  replayPreviewSchema,
  replayRunSchema,
  type DlqGroup,
  type ReplayRun,
} from '@dedup/contracts';
import { produce, readExactly, readTopicWithKcat } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * DLQ replay on the real stack (issue 14; docs/adr/0009). Records fail for a cause that is then fixed
 * (a payload limit raised), are previewed, replayed and come out exactly once on the output
 * (read_committed, an independent client); a second replay adds nothing; a preview's count is the
 * run's even while new poison arrives; a record that fails again goes back with one more attempt and
 * is quarantined at the limit; a forged replay header gets nothing; a run survives kill -9 of the
 * processor mid-way and still ends with every record once.
 */
describe('DLQ replay', () => {
  const name = uniqueName('replay');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  const strict = pipelineEnv(name, topics, { MAX_PAYLOAD_BYTES: '400', REPLAY_POLL_INTERVAL_MS: '100' });
  const fixed = pipelineEnv(name, topics, { REPLAY_POLL_INTERVAL_MS: '100' });

  const event = (id: string, size = 0, eventTime: number | string = Date.now()) => ({
    key: id,
    value: JSON.stringify({
      event_id: id,
      event_type: 'replay.test',
      event_time: eventTime,
      payload: { pad: 'x'.repeat(size) },
      schema_version: 1,
    }),
    headers: { traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` },
  });
  const ids = (records: { payload: string | null }[]) =>
    records.map((r) => (JSON.parse(r.payload ?? 'null') as { event_id: string }).event_id);

  const get = async (path: string): Promise<unknown> => {
    const res = await processor!.get(path);
    expect(res.status).toBe(200);
    return res.json();
  };
  const post = async (path: string, body?: unknown) => {
    const res = await processor!.call('POST', path, body);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const groups = async (): Promise<DlqGroup[]> =>
    dlqGroupsResponseSchema.parse(await get('/api/dlq/groups')).groups;
  const groupOf = async (errorType: string): Promise<DlqGroup> => {
    const group = (await groups()).find((g) => g.errorType === errorType);
    if (group === undefined) throw new Error(`no open ${errorType} group`);
    return group;
  };
  const run = async (id: string): Promise<ReplayRun> =>
    replayRunSchema.parse(await get(`/api/dlq/replays/${id}`));
  const untilDone = (id: string, timeoutMs = 60_000) =>
    eventually(
      `replay run ${id} completed`,
      async () => {
        const r = await run(id);
        return r.status === 'completed' ? r : undefined;
      },
      timeoutMs,
    );
  /** Preview, then start: the run's id and the preview. */
  const replay = async (filter: Record<string, unknown>, maxPerSecond = 200) => {
    const preview = await post('/api/dlq/replays/preview', {
      selection: { filter },
      maxPerSecond,
      reason: 'test',
    });
    expect(preview.status).toBe(200);
    const p = replayPreviewSchema.parse(preview.body);
    return { preview: p, start: () => post('/api/dlq/replays', { token: p.token }) };
  };

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2, output: 2 });
    // Under a 400-byte limit: 6 big events fail; `small-1` is sent small (passes) and big (fails).
    await produce(topics.input, [
      ...Array.from({ length: 4 }, (_, i) => event(`small-${i}`)),
      ...Array.from({ length: 6 }, (_, i) => event(`big-${i}`, 600)),
      event('small-1', 600),
      // Fails whatever the limit: an event_time that is no date.
      ...Array.from({ length: 3 }, (_, i) => event(`bad-time-${i}`, 0, `someday ${i}`)),
    ]);
    processor = await ProcessorProcess.start(strict, name);
    await readExactly(topics.output, 4);
    await eventually('10 DLQ records', async () =>
      dlqGroupsResponseSchema.parse(await get('/api/dlq/groups')).total === 10 ? true : undefined,
    );
    // The cause is fixed: the limit is raised.
    await processor.stop();
    processor = await ProcessorProcess.start(fixed, name);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('replays a fixed group once: each record on the output exactly once, linked to its DLQ record', async () => {
    const group = await groupOf('payload_too_large');
    expect(group.count).toBe(7);
    const { preview, start } = await replay({ fingerprint: group.fingerprint });
    expect(preview.count).toBe(7);
    expect(preview.sample).toHaveLength(5);
    expect(preview.scope).toMatch(/^7 records open of cause "payload_too_large: record is # bytes/);
    const started = await start();
    expect(started.status).toBe(201);
    const runId = replayRunSchema.parse(started.body).id;
    // The same token again: refused.
    expect((await post('/api/dlq/replays', { token: preview.token })).status).toBe(409);

    const done = await untilDone(runId);
    expect(done).toMatchObject({ total: 7, published: 7, decided: 7, progress: 1, quarantined: 0 });
    expect(done.outcomes).toEqual({ unique: 6, duplicate: 1, late: 0, invalid: 0, failed: 0 });

    // read_committed, by kcat: the 4 small events and the 6 big ones, each once.
    const out = await readExactly(topics.output, 10);
    expect(ids(out).sort()).toEqual(
      [
        ...Array.from({ length: 4 }, (_, i) => `small-${i}`),
        ...Array.from({ length: 6 }, (_, i) => `big-${i}`),
      ].sort(),
    );
    const replayed = out.filter((r) => r.headers[DEDUP_HEADERS.replayRun] === runId);
    expect(replayed).toHaveLength(6);
    for (const r of replayed) {
      expect(r.headers[DEDUP_HEADERS.replayOf]).toMatch(/^\d+$/);
      expect(r.headers[DEDUP_HEADERS.replaySource]).toMatch(new RegExp(`^${topics.input}/\\d/\\d+$`));
      // The original trace continues (the decision's span is the new parent).
      expect(r.headers['traceparent']?.split('-')[1]).toBe('ab'.repeat(16));
    }
    const dup = (await readTopicWithKcat(topics.duplicates)).filter(
      (r) => r.headers[DEDUP_HEADERS.replayRun] === runId,
    );
    expect(ids(dup)).toEqual(['small-1']);

    // The DLQ records are replayed, and their items name the coordinates they were decided at.
    const records = dlqListResponseSchema.parse(
      await get(`/api/dlq?fingerprint=${group.fingerprint}&status=replayed`),
    );
    expect(records.records).toHaveLength(7);
    const lineage = await testPool().query<{ outcome: string; audit: string }>(
      `SELECT i.outcome, a.outcome AS audit FROM dlq_replay_item i
         JOIN event_audit a ON a.pipeline = $2 AND a.source_topic = i.decided_topic
          AND a.source_partition = i.decided_partition AND a.source_offset = i.decided_offset
        WHERE i.run_id = $1`,
      [runId, name],
    );
    expect(lineage.rows).toHaveLength(7);
    for (const row of lineage.rows) expect(row.audit).toBe(row.outcome);

    // Again: nothing is open in that group, so nothing can be replayed, and nothing new comes out.
    const again = await replay({ fingerprint: group.fingerprint });
    expect(again.preview.count).toBe(0);
    expect((await again.start()).status).toBe(409);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await readTopicWithKcat(topics.output)).toHaveLength(10);
  });

  it('replays exactly the previewed set while new poison arrives; failures come back, then quarantine', async () => {
    const group = await groupOf('schema_violation');
    expect(group.count).toBe(3);
    const { preview, start } = await replay({ fingerprint: group.fingerprint });
    expect(preview.count).toBe(3);
    await produce(topics.input, [event('bad-time-late-0', 0, 'never'), event('bad-time-late-1', 0, 'never')]);
    await eventually('5 in the group', async () =>
      (await groupOf('schema_violation')).count === 5 ? true : undefined,
    );
    const started = await start();
    expect(started.status).toBe(201);
    const first = await untilDone(replayRunSchema.parse(started.body).id);
    // Exactly the previewed 3, and they failed again.
    expect(first).toMatchObject({ total: 3, decided: 3, quarantined: 0 });
    expect(first.outcomes.invalid).toBe(3);
    const back = dlqListResponseSchema.parse(
      await get(`/api/dlq?fingerprint=${group.fingerprint}&status=open`),
    );
    expect(back.records.map((r) => r.attempts).sort()).toEqual([1, 1, 2, 2, 2]);

    // The third attempt of those three reaches DLQ_MAX_ATTEMPTS (3): quarantined, not open.
    const third = await replay({ fingerprint: group.fingerprint });
    expect(third.preview.count).toBe(5);
    const last = await untilDone(replayRunSchema.parse((await third.start()).body).id);
    expect(last).toMatchObject({ total: 5, quarantined: 3 });
    const quarantined = dlqListResponseSchema.parse(await get(`/api/dlq?status=quarantined`));
    expect(quarantined.records.map((r) => r.attempts)).toEqual([3, 3, 3]);
    const one = dlqRecordSchema.parse(await get(`/api/dlq/${quarantined.records[0]!.id}`));
    expect(one.statusReason).toBe('failed again in replay; quarantined after 3 attempts');
    // No new DLQ rows for the re-failures: the same records, with more attempts.
    expect(dlqGroupsResponseSchema.parse(await get('/api/dlq/groups?status=quarantined')).total).toBe(3);
  });

  it('gives a forged replay header nothing: the record is judged like any other', async () => {
    const [open] = dlqListResponseSchema.parse(await get('/api/dlq?status=open&limit=1')).records;
    const old = event('forged-0', 0, Date.now() - 86_400_000);
    await produce(topics.input, [
      { ...old, headers: { [DEDUP_HEADERS.replayOf]: open!.id, [DEDUP_HEADERS.replayRun]: '1' } },
    ]);
    // A day old: late, not exempt as a verified replay would be.
    await eventually('forged record decided', async () => {
      const late = await readTopicWithKcat(topics.late);
      return ids(late).includes('forged-0') ? true : undefined;
    });
    // The DLQ record it names is untouched.
    expect(dlqRecordSchema.parse(await get(`/api/dlq/${open!.id}`))).toMatchObject({
      status: 'open',
      attempts: open!.attempts,
      lastFailureAt: open!.lastFailureAt,
    });
  });

  it('pauses, resumes and cancels; a cancelled run gives its unsent records back', async () => {
    await processor!.stop();
    processor = await ProcessorProcess.start(strict, name);
    await produce(
      topics.input,
      Array.from({ length: 20 }, (_, i) => event(`slow-${i}`, 600)),
    );
    await eventually('20 more too large', async () =>
      (await groupOf('payload_too_large')).count === 20 ? true : undefined,
    );
    await processor.stop();
    processor = await ProcessorProcess.start(fixed, name);
    const group = await groupOf('payload_too_large');
    const { start } = await replay({ fingerprint: group.fingerprint }, 2);
    const id = replayRunSchema.parse((await start()).body).id;
    await eventually('some sent', async () => ((await run(id)).published >= 2 ? true : undefined));
    expect((await post(`/api/dlq/replays/${id}/pause`)).status).toBe(200);
    // A send under way when the pause came may still finish; after that, nothing is sent.
    await new Promise((r) => setTimeout(r, 500));
    const paused = await run(id);
    expect(paused.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await run(id)).published).toBe(paused.published);
    expect((await post(`/api/dlq/replays/${id}/pause`)).status).toBe(409);
    expect((await post(`/api/dlq/replays/${id}/resume`)).status).toBe(200);
    const cancelled = await post(`/api/dlq/replays/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    const end = replayRunSchema.parse(cancelled.body);
    expect(end.status).toBe('cancelled');
    const open = (await groupOf('payload_too_large')).count;
    expect(open).toBe(20 - end.published);
    expect((await post(`/api/dlq/replays/${id}/resume`)).status).toBe(409);
    const actions = await testPool().query<{ action: string; result: string }>(
      `SELECT action, result FROM operator_action WHERE pipeline = $1 AND target = $2 ORDER BY id`,
      [name, `replay/${id}`],
    );
    expect(actions.rows.map((r) => `${r.action}:${r.result}`)).toEqual([
      'replays.start:ok',
      'replays.pause:ok',
      'replays.resume:ok',
      'replays.cancel:ok',
    ]);
  });

  it('survives kill -9 of the processor mid-way through 10,000 records: each out exactly once', async () => {
    const N = 10_000;
    // What the cancelled run above gave back is still open in the same group.
    const leftover = (await groups()).find((g) => g.errorType === 'payload_too_large')?.count ?? 0;
    await processor!.stop();
    processor = await ProcessorProcess.start(strict, name);
    const batch = 1_000;
    for (let from = 0; from < N; from += batch) {
      await produce(
        topics.input,
        Array.from({ length: batch }, (_, i) => event(`bulk-${from + i}`, 600)),
      );
    }
    await eventually(
      `${N} more too large`,
      async () => ((await groupOf('payload_too_large')).count === leftover + N ? true : undefined),
      120_000,
    );
    await processor.stop();
    processor = await ProcessorProcess.start(fixed, name);
    const before = (await readTopicWithKcat(topics.output)).length;
    const group = await groupOf('payload_too_large');
    const { preview, start } = await replay({ fingerprint: group.fingerprint }, 1_000);
    expect(preview.count).toBe(leftover + N);
    const id = replayRunSchema.parse((await start()).body).id;
    await eventually(
      'a third sent',
      async () => ((await run(id)).published >= N / 3 ? true : undefined),
      60_000,
    );
    await processor.kill();
    processor = await ProcessorProcess.start(fixed, name);
    const done = await untilDone(id, 180_000);
    // Every record decided once; the summary adds up.
    const total = leftover + N;
    expect(done).toMatchObject({ total, published: total, decided: total, progress: 1 });
    expect(Object.values(done.outcomes).reduce((a, b) => a + b, 0)).toBe(total);
    expect(done.outcomes.unique).toBe(total);
    // read_committed: each of the 10,000 exactly once on the output, and each of the 20 slow ones
    // (some replayed by the cancelled run, the rest now).
    const out = await readExactly(topics.output, before + total, 120_000);
    const bulk = ids(out).filter((i) => i.startsWith('bulk-'));
    expect(bulk).toHaveLength(N);
    expect(new Set(bulk).size).toBe(N);
    const slow = ids(out).filter((i) => i.startsWith('slow-'));
    expect(new Set(slow).size).toBe(slow.length);
    expect(slow).toHaveLength(20);
    expect(
      dlqGroupsResponseSchema
        .parse(await get('/api/dlq/groups'))
        .groups.some((g) => g.errorType === 'payload_too_large'),
    ).toBe(false);
  }, 360_000);
});
