import { DEDUP_HEADERS, backfillJobSchema, type BackfillJob } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import { createTopics, produce, readExactly, readTopicWithKcat } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Backfills on the real parts (docs/backfills.md): a job re-runs the pipeline over a range of the
 * input topic into a target topic, in its own state namespace, at its rate limit; it survives a
 * processor restart without a lost or repeated output, pauses, resumes, and reports its progress
 * through the API and /metrics. Offset and time ranges select exactly the records they name.
 */
describe('backfills: re-run the pipeline over a topic range into a target', () => {
  const name = uniqueName('bf');
  const topics = pipelineTopics(name);
  const env = pipelineEnv(name, topics, { BACKFILL_POLL_INTERVAL_MS: '250' });
  let processor: ProcessorProcess | undefined;

  const UNIQUE = 900;
  const event = (i: number) => ({
    event_id: `bf-${i}`,
    event_type: 'order.created',
    event_time: Date.now(),
    payload: { i },
    schema_version: 1,
  });
  const message = (i: number, key = `k${i % 13}`): Message => ({ key, value: JSON.stringify(event(i)) });
  // Phase A: 600 unique events and 150 re-sends; phase B (after `boundary`): 300 more and 50 re-sends.
  const phaseA = [
    ...Array.from({ length: 600 }, (_, i) => message(i)),
    ...Array.from({ length: 150 }, (_, j) => message((j * 7) % 600, `other-${j}`)),
  ];
  const phaseB = [
    ...Array.from({ length: 300 }, (_, i) => message(600 + i)),
    ...Array.from({ length: 50 }, (_, j) => message(600 + ((j * 3) % 300))),
  ];
  const TOTAL = phaseA.length + phaseB.length;
  let boundary = '';

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await processor!.call(method, path, body);
    const answer: unknown = await res.json();
    return { status: res.status, body: answer };
  };
  const job = async (id: string): Promise<BackfillJob> => {
    const res = await api('GET', `/api/backfills/${id}`);
    expect(res.status).toBe(200);
    return backfillJobSchema.parse(res.body);
  };
  const ids = (records: { payload: string | null }[]) =>
    records.map((r) => (JSON.parse(r.payload ?? 'null') as { event_id: string }).event_id);

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 3,
      [topics.output]: 3,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    await produce(topics.input, phaseA);
    await new Promise((r) => setTimeout(r, 1_100));
    boundary = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1_100));
    await produce(topics.input, phaseB);
    processor = await ProcessorProcess.start(env, name);
    // The live pipeline has decided everything before any backfill starts.
    await readExactly(topics.output, UNIQUE);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('answers bad requests with a 4xx that says what is wrong, and creates nothing', async () => {
    // The live pipeline registered its topics when it started...
    const registered = await testPool().query<{ role: string; topic: string }>(
      `SELECT role, topic FROM pipeline_topic WHERE pipeline = $1 ORDER BY role`,
      [name],
    );
    expect(registered.rows).toEqual(
      (['dlq', 'duplicates', 'input', 'late', 'output'] as const).map((role) => ({
        role,
        topic: topics[role],
      })),
    );
    // ... and another pipeline sharing the database did the same.
    await testPool().query(
      `INSERT INTO pipeline_topic (pipeline, role, topic) VALUES ($1, 'input', $2) ON CONFLICT DO NOTHING`,
      [`${name}.other`, `${name}.other.events.raw`],
    );
    const cases: [unknown, string][] = [
      [
        { targetTopic: topics.input, range: { kind: 'time' } },
        `targetTopic ${topics.input} is this backfill's source`,
      ],
      // Never into a live topic: the duplicates this product removes would reach the live output.
      [
        { targetTopic: topics.output, range: { kind: 'time' } },
        `targetTopic ${topics.output} is the output topic of the live pipeline ${name}`,
      ],
      [
        { targetTopic: `${name}.x`, duplicatesTopic: topics.duplicates, range: { kind: 'time' } },
        `duplicatesTopic ${topics.duplicates} is the duplicates topic of the live pipeline`,
      ],
      [
        { targetTopic: `${name}.x`, lateTopic: topics.late, range: { kind: 'time' } },
        `lateTopic ${topics.late} is the late topic of the live pipeline`,
      ],
      [
        { targetTopic: topics.dlq, range: { kind: 'time' } },
        `targetTopic ${topics.dlq} is the dlq topic of the live pipeline`,
      ],
      [
        { targetTopic: `${name}.other.events.raw`, range: { kind: 'time' } },
        `targetTopic ${name}.other.events.raw is the input topic of pipeline ${name}.other`,
      ],
      [
        { targetTopic: `${name}.x`, lateTopic: `${name}.x`, range: { kind: 'time' } },
        `targetTopic and lateTopic are both ${name}.x`,
      ],
      [
        { targetTopic: `${name}.x`, sourceTopic: `${name}.missing`, range: { kind: 'time' } },
        'does not exist',
      ],
      [
        {
          targetTopic: `${name}.x`,
          range: { kind: 'time', from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' },
        },
        'must be before range.to',
      ],
      [
        {
          targetTopic: `${name}.x`,
          range: { kind: 'offsets', partitions: [{ partition: 9, start: '0', end: '1' }] },
        },
        'partition 9 does not exist',
      ],
      [{ targetTopic: 'has space', range: { kind: 'time' } }, 'a Kafka topic name'],
      [{ targetTopic: `${name}.x`, range: { kind: 'time' }, maxEventsPerSecond: 0 }, 'maxEventsPerSecond'],
      [{ targetTopic: `${name}.x`, range: { kind: 'time' }, surprise: true }, 'surprise'],
      [[1, 2], 'the body must be a JSON object'],
      ['just a string', 'is not valid JSON'],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/api/backfills', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((res.body as { message: string }).message).toContain(message);
    }
    expect((await api('GET', '/api/backfills/999999')).status).toBe(404);
    expect((await api('GET', '/api/backfills/not-a-number')).status).toBe(400);
    expect((await api('POST', '/api/backfills/1/explode')).status).toBe(404);
    const list = await api('GET', '/api/backfills');
    expect(list.body).toEqual({ backfills: [] });
  });

  it('previews the range without creating a job', async () => {
    const res = await api('POST', '/api/backfills/preview', {
      targetTopic: `${name}.full`,
      range: { kind: 'time' },
    });
    expect(res.status).toBe(200);
    const preview = backfillJobSchema.parse(res.body);
    expect(preview).toMatchObject({ id: null, status: 'preview', totalRecords: TOTAL, processedRecords: 0 });
    expect(preview.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect((await api('GET', '/api/backfills')).body).toEqual({ backfills: [] });
  });

  it('runs a full-range backfill at its rate limit, through pause, resume and a restart, with exactly-once output', async () => {
    const target = `${name}.full`;
    const created = await api('POST', '/api/backfills', {
      targetTopic: target,
      range: { kind: 'time' },
      maxEventsPerSecond: 150,
      reason: 'system test',
    });
    expect(created.status).toBe(201);
    const { id } = backfillJobSchema.parse(created.body);
    expect(id).not.toBeNull();

    // Progress moves, and /metrics reports it while the job runs.
    const midway = await eventually(
      'backfill progress between 0 and 1',
      async () => {
        const j = await job(id!);
        return j.progress > 0.1 && j.progress < 0.6 ? j : undefined;
      },
      30_000,
      100,
    );
    expect(midway.status).toBe('running');
    // At most the rate (plus the bucket's one-second burst and one batch) over two seconds.
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2_000));
    const later = await job(id!);
    const seconds = (performance.now() - t0) / 1000;
    expect(later.processedRecords - midway.processedRecords).toBeLessThanOrEqual(150 * (seconds + 1) + 38);
    expect(later.processedRecords).toBeGreaterThan(midway.processedRecords);
    const metrics = await (await processor!.get('/metrics')).text();
    expect(metrics).toMatch(new RegExp(`dedup_backfill_progress_ratio\\{backfill="${id}"\\} 0\\.\\d+`));
    expect(metrics).toMatch(/dedup_backfill_jobs\{status="running"\} 1/);

    // Pause: the recorded progress stops moving.
    expect((await api('POST', `/api/backfills/${id}/pause`)).status).toBe(200);
    const paused = await eventually('paused job standing still', async () => {
      const a = await job(id!);
      await new Promise((r) => setTimeout(r, 1_000));
      const b = await job(id!);
      return a.status === 'paused' && a.processedRecords === b.processedRecords ? b : undefined;
    });
    expect(paused.processedRecords).toBeLessThan(TOTAL);
    expect((await api('POST', `/api/backfills/${id}/pause`)).status).toBe(409);
    expect((await api('POST', `/api/backfills/${id}/resume`)).status).toBe(200);

    // Restart the processor mid-job: the job resumes where its transactions left it.
    await eventually('progress after resume', async () =>
      (await job(id!)).processedRecords > paused.processedRecords ? true : undefined,
    );
    expect(await processor!.stop()).toBe(0);
    processor = await ProcessorProcess.start(env, name);

    const done = await eventually(
      'backfill completed',
      async () => {
        const j = await job(id!);
        return j.status === 'completed' ? j : undefined;
      },
      60_000,
    );
    expect(done).toMatchObject({ progress: 1, processedRecords: TOTAL, totalRecords: TOTAL });
    expect(done.finishedAt).not.toBeNull();
    expect((await api('POST', `/api/backfills/${id}/cancel`)).status).toBe(409);

    // Exactly once: every unique event once in the target, every re-send once in the duplicates topic.
    const out = await readExactly(target, UNIQUE);
    expect(new Set(ids(out)).size).toBe(UNIQUE);
    // The backfill's duplicates went to its own topic beside the target, not the live one.
    const dups = (await readTopicWithKcat(`${target}.duplicates`)).filter(
      (r) => r.headers[DEDUP_HEADERS.pipeline] === `${name}.backfill.${id}`,
    );
    expect(dups).toHaveLength(TOTAL - UNIQUE);

    // Its own namespace: one audit row per record; its dedup state dropped once it completed.
    const pool = testPool();
    const audit = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM event_audit WHERE pipeline = $1`,
      [`${name}.backfill.${id}`],
    );
    expect(audit.rows[0]?.n).toBe(TOTAL);
    await eventually('backfill state dropped', async () => {
      const claims = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM dedup_claim WHERE pipeline = $1`,
        [`${name}.backfill.${id}`],
      );
      return claims.rows[0]?.n === 0 ? true : undefined;
    });
    // The live pipeline's state is untouched.
    const live = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM dedup_claim WHERE pipeline = $1`,
      [name],
    );
    expect(live.rows[0]?.n).toBe(UNIQUE);
    const actions = await pool.query<{ action: string; actor: string | null }>(
      `SELECT action, actor FROM operator_action WHERE pipeline = $1 AND target = $2 ORDER BY id`,
      [name, `backfill/${id}`],
    );
    expect(actions.rows).toEqual([
      { action: 'backfills.create', actor: 'local:test-operator' },
      { action: 'backfills.pause', actor: 'local:test-operator' },
      { action: 'backfills.resume', actor: 'local:test-operator' },
      { action: 'backfill.completed', actor: null },
    ]);
  });

  it('backfills exactly the offsets an offset range names, and only the records after a time bound', async () => {
    const offsetsTarget = `${name}.p0`;
    const byOffsets = await api('POST', '/api/backfills', {
      targetTopic: offsetsTarget,
      range: { kind: 'offsets', partitions: [{ partition: 0, start: '10', end: '60' }] },
      maxEventsPerSecond: 10_000,
    });
    expect(byOffsets.status).toBe(201);
    const timeTarget = `${name}.late-half`;
    const byTime = await api('POST', '/api/backfills', {
      targetTopic: timeTarget,
      range: { kind: 'time', from: boundary },
      maxEventsPerSecond: 10_000,
    });
    expect(byTime.status).toBe(201);
    const a = backfillJobSchema.parse(byOffsets.body).id!;
    const b = backfillJobSchema.parse(byTime.body).id!;
    for (const id of [a, b]) {
      await eventually(
        `backfill ${id} completed`,
        async () => ((await job(id)).status === 'completed' ? true : undefined),
        60_000,
      );
    }

    // Ground truth from the input topic itself: the unique ids among the named records.
    const input = await readTopicWithKcat(topics.input);
    const uniqueIds = (records: typeof input) => new Set(ids(records));
    const p0 = input.filter((r) => r.partition === 0 && r.offset >= 10 && r.offset < 60);
    const expectedP0 = uniqueIds(p0);
    const outP0 = await readExactly(offsetsTarget, expectedP0.size);
    expect(new Set(ids(outP0))).toEqual(expectedP0);
    expect((await job(a)).totalRecords).toBe(50);

    const expectedLate = new Set(
      phaseB.map((m) => (JSON.parse(String(m.value)) as { event_id: string }).event_id),
    );
    const outLate = await readExactly(timeTarget, expectedLate.size);
    expect(new Set(ids(outLate))).toEqual(expectedLate);
    expect((await job(b)).totalRecords).toBe(phaseB.length);
  });
});
