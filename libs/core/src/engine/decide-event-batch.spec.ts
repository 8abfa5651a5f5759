import { pipelineSemanticsSchema, type InputEvent, type PipelineSemanticsInput } from '@dedup/contracts';
import { bloomProbe } from '../bloom/blocked-bloom-filter';
import type { ParsedRecord, ValidRecord } from '../parse-record';
import { approximateLayout, type ApproximateLayout, type BloomStripe } from './approximate';
import { isStateExpired } from './dedup-window';
import { decideEventBatch } from './decide-event-batch';
import { failedDecision, type EngineDecision, type KeyState } from './engine-decision';
import { computeWatermark, EMPTY_WATERMARK_SNAPSHOT, type WatermarkSnapshot } from './watermark';

/**
 * Named table tests, one per rule of docs/semantics.md. The property tests (engine.property.spec.ts)
 * cover the combinations; these pin each rule on a readable example.
 */

type EventSpec = Partial<InputEvent> & Pick<InputEvent, 'event_id' | 'event_time'>;
const ev = (event_id: string, event_time: number, rest: Partial<InputEvent> = {}): EventSpec => ({
  event_id,
  event_time,
  ...rest,
});

/** A pipeline under test: feeds batches through the engine, carrying state and watermarks over. */
function pipeline(config: PipelineSemanticsInput = {}, options: { prune?: boolean } = {}) {
  const semantics = pipelineSemanticsSchema.parse({
    maxOutOfOrdernessMs: 0,
    allowedLatenessMs: 0,
    idleTimeoutMs: 1_000_000,
    ...config,
  });
  const states = new Map<string, KeyState>();
  let watermarks: WatermarkSnapshot = EMPTY_WATERMARK_SNAPSHOT;
  const nextOffset = new Map<number, number>();
  const record = (partition: number, spec: EventSpec | ParsedRecord): ParsedRecord => {
    const offset = nextOffset.get(partition) ?? 0;
    nextOffset.set(partition, offset + 1);
    const coords = { topic: 'raw', partition, offset: String(offset) };
    if (isParsed(spec)) return { ...spec, coords };
    return {
      kind: 'valid',
      coords,
      event: { event_type: 'order.created', payload: {}, schema_version: 1, ...spec },
    };
  };
  return {
    semantics,
    states,
    get watermark() {
      return watermarks.pipelineWatermark;
    },
    get watermarks() {
      return watermarks;
    },
    /** Decides one batch of `partition` at wall-clock `now`. */
    send(at: { now?: number; partition?: number }, ...specs: (EventSpec | ParsedRecord)[]): EngineDecision[] {
      const partition = at.partition ?? 0;
      const out = decideEventBatch({
        records: specs.map((s) => record(partition, s)),
        partition,
        states,
        watermarks,
        now: at.now ?? 0,
        semantics,
      });
      for (const [key, state] of out.changedStates) states.set(key, state);
      watermarks = out.watermarks;
      if (options.prune === true) {
        for (const [key, state] of states) {
          if (isStateExpired(state, watermarks.pipelineWatermark, semantics)) states.delete(key);
        }
      }
      return out.decisions;
    },
  };
}

// An event spec is a loose object (unknown fields are allowed), so `'kind' in spec` cannot narrow.
const isParsed = (spec: EventSpec | ParsedRecord): spec is ParsedRecord =>
  spec.kind === 'valid' || spec.kind === 'invalid';

const outcomes = (decisions: readonly EngineDecision[]) => decisions.map((d) => d.outcome);
const firstOffset = (d: EngineDecision | undefined) =>
  d?.outcome === 'duplicate' && d.first !== null
    ? `${d.first.origin.partition}@${d.first.origin.offset}`
    : undefined;

describe('decideEventBatch: sliding window', () => {
  const sliding = { window: { kind: 'sliding', sizeMs: 100 } } as const;

  it('sliding: same id inside the window is a duplicate of the first occurrence', () => {
    const p = pipeline(sliding);
    p.send({ now: 7 }, ev('a', 1000));
    const [dup] = p.send({ now: 8 }, ev('a', 1099));
    expect(dup).toMatchObject({
      outcome: 'duplicate',
      strategy: 'event_id',
      stateKey: 'event_id:a',
      first: { origin: { partition: 0, offset: '0' }, eventId: 'a', firstEventTime: 1000, firstSeenAt: 7 },
    });
  });

  it('sliding: same id after the window is a new unique, which later copies then duplicate', () => {
    const p = pipeline(sliding);
    const decisions = p.send({}, ev('a', 1000), ev('a', 1100), ev('a', 1150));
    expect(outcomes(decisions)).toEqual(['unique', 'unique', 'duplicate']);
    expect(firstOffset(decisions[2])).toBe('0@1');
  });

  it('sliding: a copy with an earlier event time that arrives later is still a duplicate', () => {
    const p = pipeline({ ...sliding, allowedLatenessMs: 1000 });
    expect(outcomes(p.send({}, ev('a', 1000), ev('a', 500)))).toEqual(['unique', 'duplicate']);
  });

  it('a duplicate of a record earlier in the same batch is a duplicate', () => {
    const p = pipeline(sliding);
    const decisions = p.send({}, ev('a', 1000), ev('b', 1000), ev('a', 1001));
    expect(outcomes(decisions)).toEqual(['unique', 'unique', 'duplicate']);
    expect(firstOffset(decisions[2])).toBe('0@0');
  });

  it('a key claimed on one partition makes a copy on another partition a duplicate', () => {
    const p = pipeline(sliding);
    p.send({ partition: 0 }, ev('a', 1000));
    expect(firstOffset(p.send({ partition: 3 }, ev('a', 1001))[0])).toBe('0@0');
  });
});

describe('decideEventBatch: tumbling window', () => {
  const tumbling = { window: { kind: 'tumbling', sizeMs: 100 }, allowedLatenessMs: 1000 } as const;

  it('tumbling: same id across a bucket boundary is unique', () => {
    const p = pipeline(tumbling);
    const decisions = p.send({}, ev('a', 1050), ev('a', 1099), ev('a', 1100), ev('a', 1000));
    expect(outcomes(decisions)).toEqual(['unique', 'duplicate', 'unique', 'duplicate']);
    expect(decisions[2]).toMatchObject({ stateKeys: ['event_id:a#11'] });
    expect(firstOffset(decisions[3])).toBe('0@0');
  });

  it('tumbling: the scope ends with the bucket of the first occurrence', () => {
    const p = pipeline(tumbling);
    p.send({}, ev('a', 1050));
    expect(p.states.get('event_id:a#10')).toMatchObject({ firstEventTime: 1050, expiresAt: 1100 });
  });
});

describe('decideEventBatch: session window', () => {
  const session = { window: { kind: 'session', gapMs: 100 }, allowedLatenessMs: 1000 } as const;

  it('session: each duplicate extends the life by the gap', () => {
    const p = pipeline(session);
    const decisions = p.send({}, ev('a', 1000), ev('a', 1090), ev('a', 1180), ev('a', 1279), ev('a', 1379));
    expect(outcomes(decisions)).toEqual(['unique', 'duplicate', 'duplicate', 'duplicate', 'unique']);
    // Every duplicate points at the occurrence that opened the session.
    expect(decisions.slice(1, 4).map(firstOffset)).toEqual(['0@0', '0@0', '0@0']);
    expect(p.states.get('event_id:a')).toMatchObject({ firstEventTime: 1379, expiresAt: 1479 });
  });

  it('session: an out-of-order duplicate never shortens the session', () => {
    const p = pipeline(session);
    p.send({}, ev('a', 1000), ev('a', 1090));
    p.send({}, ev('a', 950));
    expect(p.states.get('event_id:a')?.expiresAt).toBe(1190);
  });

  it('session: the duplicate carries the state as it stood before it extended it', () => {
    const p = pipeline(session);
    const [, dup] = p.send({}, ev('a', 1000), ev('a', 1050));
    expect(dup).toMatchObject({ outcome: 'duplicate', first: { expiresAt: 1100 } });
  });
});

describe('decideEventBatch: watermark and lateness', () => {
  it('late: beyond allowed lateness goes to late, with the watermark and the lateness', () => {
    const p = pipeline({ maxOutOfOrdernessMs: 10, allowedLatenessMs: 50 });
    p.send({}, ev('x', 1000)); // watermark 990
    const [late] = p.send({}, ev('a', 939));
    expect(late).toMatchObject({ outcome: 'late', watermark: 990, latenessMs: 51 });
  });

  it('within lateness is processed normally', () => {
    const p = pipeline({ maxOutOfOrdernessMs: 10, allowedLatenessMs: 50 });
    p.send({}, ev('x', 1000));
    expect(outcomes(p.send({}, ev('a', 940), ev('a', 945)))).toEqual(['unique', 'duplicate']);
  });

  it('the lateness check uses the watermark as it stood before the record', () => {
    const p = pipeline({ allowedLatenessMs: 0 });
    // The first record of a batch moves the watermark to 2000, so the second one is late.
    expect(outcomes(p.send({}, ev('x', 2000), ev('y', 1999)))).toEqual(['unique', 'late']);
  });

  it('late records touch no state and do not advance the watermark', () => {
    const p = pipeline({ allowedLatenessMs: 0 });
    p.send({}, ev('x', 1000));
    const before = new Map(p.states);
    const [late] = p.send({ partition: 1 }, ev('a', 10));
    expect(late?.outcome).toBe('late');
    expect(p.states).toEqual(before);
    expect(p.watermarks.partitions.map((w) => w.partition)).toEqual([0]);
  });

  it('duplicates advance the watermark too', () => {
    const p = pipeline({ window: { kind: 'sliding', sizeMs: 10_000 } });
    p.send({}, ev('a', 1000));
    p.send({}, ev('a', 1500));
    expect(p.watermark).toBe(1500);
  });

  it('the pipeline watermark is the minimum over active partitions', () => {
    const p = pipeline({ maxOutOfOrdernessMs: 5 });
    p.send({ partition: 0 }, ev('a', 1000));
    p.send({ partition: 1 }, ev('b', 3000));
    expect(p.watermarks).toEqual({
      partitions: [
        { partition: 0, maxEventTime: 1000, lastActivityAt: 0 },
        { partition: 1, maxEventTime: 3000, lastActivityAt: 0 },
      ],
      pipelineWatermark: 995,
    });
  });

  it('idle partition stops holding back the watermark', () => {
    const p = pipeline({ idleTimeoutMs: 100 });
    p.send({ partition: 0, now: 0 }, ev('a', 1000));
    p.send({ partition: 1, now: 0 }, ev('b', 5000));
    expect(p.watermark).toBe(1000);
    p.send({ partition: 1, now: 100 }, ev('c', 5001));
    expect(p.watermark).toBe(1000); // partition 0 was seen exactly idleTimeoutMs ago: still active
    p.send({ partition: 1, now: 101 }, ev('d', 5002));
    expect(p.watermark).toBe(5002);
    // Once it has records again, partition 0 counts again, but cannot pull the watermark back.
    p.send({ partition: 0, now: 102 }, ev('e', 5002));
    expect(p.watermark).toBe(5002);
  });

  describe('issue 17: idleness counts from the start of the batch', () => {
    // Two partitions, idleTimeoutMs 5 s, allowedLatenessMs 30 s, maxOutOfOrdernessMs 5 s.
    const T = Date.UTC(2026, 0, 1, 12, 0);
    const config = { maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 30_000, idleTimeoutMs: 5_000 };
    const minutes = (n: number) => n * 60_000;
    function scenario() {
      const p = pipeline(config);
      p.send({ partition: 1, now: 0 }, ev('p1', T - minutes(10))); // then nothing on partition 1
      p.send({ partition: 0, now: 1_000 }, ev('a', T - 2_000));
      p.send({ partition: 0, now: 2_000 }, ev('b', T));
      // Partition 1 holds the watermark back while active: T − 10 min − 5 s.
      expect(p.watermark).toBe(T - minutes(10) - 5_000);
      return p;
    }

    it('a record right after the idle timeout is judged against the watermark without the idle partition', () => {
      const p = scenario();
      // 13 s later: both partitions were last seen more than 5 s ago, so none is active and the
      // watermark is the maximum over all, T − 5 s; T − 8 min is far beyond the allowed lateness.
      const [late, next] = p.send({ partition: 0, now: 15_000 }, ev('c', T - minutes(8)), ev('d', T - 1_000));
      expect(late).toMatchObject({
        outcome: 'late',
        watermark: T - 5_000,
        latenessMs: minutes(8) - 5_000,
      });
      // The record after it is decided against the same (advanced) watermark.
      expect(next?.outcome).toBe('unique');
      expect(p.watermark).toBe(T - 5_000);
    });

    it('the record after the late one, in its own batch, is decided against the same watermark', () => {
      const p = scenario();
      const [late] = p.send({ partition: 0, now: 15_000 }, ev('c', T - minutes(8)));
      expect(late).toMatchObject({ outcome: 'late', watermark: T - 5_000 });
      // The batch decided nothing but a late record, and still hands back the advanced watermark.
      expect(p.watermark).toBe(T - 5_000);
      const [again] = p.send({ partition: 0, now: 15_000 }, ev('e', T - minutes(8) + 1));
      expect(again).toMatchObject({ outcome: 'late', watermark: T - 5_000 });
    });

    it('a partition resuming after an idle period is judged against the watermark the others moved on to', () => {
      const p = pipeline(config);
      p.send({ partition: 1, now: 0 }, ev('p1', T - minutes(10)));
      p.send({ partition: 0, now: 0 }, ev('a', T));
      expect(p.watermark).toBe(T - minutes(10) - 5_000);
      // Partition 1 resumes 6 s later, idle until this batch: partition 0 (still active) sets the
      // watermark, T − 5 s, and the resumed partition's old record is late.
      const [late] = p.send({ partition: 1, now: 6_000 }, ev('q', T - minutes(9)));
      expect(late).toMatchObject({ outcome: 'late', watermark: T - 5_000 });
    });

    it('hands back the watermark the batch started from, also for a batch that observes nothing', () => {
      const p = scenario();
      const before = p.watermarks;
      const out = decideEventBatch({
        records: [
          {
            kind: 'invalid',
            coords: { topic: 'raw', partition: 0, offset: '9' },
            errorType: 'invalid_json',
            reason: 'x',
          },
        ],
        partition: 0,
        states: new Map(),
        watermarks: before,
        now: 15_000,
        semantics: p.semantics,
      });
      expect(out.watermarkAtStart).toBe(T - 5_000);
      expect(out.watermarks).toEqual({ ...before, pipelineWatermark: T - 5_000 });
      const same = decideEventBatch({
        records: [],
        partition: 0,
        states: new Map(),
        watermarks: before,
        now: 2_000,
        semantics: p.semantics,
      });
      expect(same.watermarkAtStart).toBe(before.pipelineWatermark);
      expect(same.watermarks).toEqual(before);
    });

    it('a batch at the idle timeout exactly still counts the partition as active', () => {
      const p = pipeline(config);
      p.send({ partition: 1, now: 0 }, ev('p1', T - minutes(10)));
      p.send({ partition: 0, now: 0 }, ev('a', T));
      const [kept] = p.send({ partition: 0, now: 5_000 }, ev('c', T - minutes(8)));
      expect(kept?.outcome).toBe('unique');
    });
  });

  it('with every partition idle, the watermark is the maximum over all of them', () => {
    const partitions = [
      { partition: 0, maxEventTime: 1000, lastActivityAt: 0 },
      { partition: 1, maxEventTime: 3000, lastActivityAt: 0 },
    ];
    const semantics = { maxOutOfOrdernessMs: 10, idleTimeoutMs: 50 };
    expect(computeWatermark(partitions, 50, semantics)).toBe(990);
    expect(computeWatermark(partitions, 51, semantics)).toBe(2990);
    expect(computeWatermark([], 51, semantics)).toBeNull();
  });

  it('watermark never moves backwards', () => {
    const p = pipeline({ allowedLatenessMs: 2000 });
    p.send({ partition: 0 }, ev('a', 5000));
    expect(p.watermark).toBe(5000);
    // A new partition behind the others lowers the minimum over partitions to 4000, but not the
    // pipeline watermark, so lateness is still measured from 5000.
    p.send({ partition: 1 }, ev('b', 4000));
    expect(p.watermark).toBe(5000);
    expect(p.send({ partition: 1 }, ev('c', 2999))[0]).toMatchObject({ outcome: 'late', watermark: 5000 });
  });

  it('there is no watermark, and nothing is late, before the first record', () => {
    const p = pipeline({});
    expect(p.watermark).toBeNull();
    expect(outcomes(p.send({}, ev('a', 0)))).toEqual(['unique']);
  });
});

describe('decideEventBatch: keys', () => {
  const twoKeys: PipelineSemanticsInput = {
    keys: [
      { name: 'event_id', kind: 'event_id' },
      { name: 'order', kind: 'fields', fields: ['payload.order_id'] },
    ],
    window: { kind: 'sliding', sizeMs: 1000 },
  };
  const order = (id: string) => ({ payload: { order_id: id } });

  it('composite key missing field is invalid, and changes no state or watermark', () => {
    const p = pipeline(twoKeys);
    const [invalid] = p.send({}, ev('a', 1000, { payload: {} }));
    expect(invalid).toMatchObject({
      outcome: 'invalid',
      errorType: 'missing_key_field',
      reason: "key field payload.order_id of key strategy 'order' is missing or null",
      record: { kind: 'invalid', errorType: 'missing_key_field' },
      event: { event_id: 'a' },
    });
    expect(p.states.size).toBe(0);
    expect(p.watermark).toBeNull();
  });

  it('any key matching makes a duplicate and names the strategy', () => {
    const p = pipeline(twoKeys);
    const decisions = p.send(
      {},
      ev('a', 1000, order('o1')),
      ev('b', 1001, order('o1')), // same order, other id
      ev('a', 1002, order('o2')), // same id, other order
      ev('a', 1003, order('o1')), // both: the first strategy in config order is named
    );
    expect(decisions.map((d) => (d.outcome === 'duplicate' ? d.strategy : d.outcome))).toEqual([
      'unique',
      'order',
      'event_id',
      'event_id',
    ]);
  });

  it('a duplicate claims none of its keys', () => {
    const p = pipeline(twoKeys);
    p.send({}, ev('a', 1000, order('o1')), ev('a', 1001, order('o2')));
    expect([...p.states.keys()].sort()).toEqual(['event_id:a', 'order:["o1"]']);
    expect(outcomes(p.send({}, ev('c', 1002, order('o2'))))).toEqual(['unique']);
  });

  it('a unique record claims every key and replaces out-of-scope states', () => {
    const p = pipeline(twoKeys);
    p.send({}, ev('a', 1000, order('o1')));
    p.send({}, ev('a', 2000, order('o1')));
    expect(p.states.get('event_id:a')).toMatchObject({ origin: { offset: '1' }, expiresAt: 3000 });
    expect(p.states.get('order:["o1"]')).toMatchObject({ origin: { offset: '1' }, strategy: 'order' });
  });

  it('content hash ignores key order in objects', () => {
    const p = pipeline({ keys: [{ name: 'body', kind: 'content_hash', fields: ['payload'] }] });
    const decisions = p.send(
      {},
      ev('a', 1000, { payload: { x: 1, y: { p: 1, q: 2 } } }),
      ev('b', 1000, { payload: { y: { q: 2, p: 1 }, x: 1 } }),
    );
    expect(decisions[1]).toMatchObject({ outcome: 'duplicate', strategy: 'body' });
  });
});

describe('decideEventBatch: state expiry', () => {
  it('expired state may be deleted without changing decisions', () => {
    const config = {
      window: { kind: 'session', gapMs: 100 },
      maxOutOfOrdernessMs: 20,
      allowedLatenessMs: 30,
    } as const;
    const stream: [number, EventSpec][] = [
      [0, ev('a', 1000)],
      [1, ev('b', 1010)],
      [0, ev('a', 1080)],
      [1, ev('x', 1250)],
      [0, ev('y', 1260)],
      [0, ev('a', 1200)], // a's session ended at 1180 and the pruning run has deleted it: unique in both
      [1, ev('b', 1150)], // late
      [0, ev('z', 1400)],
      [1, ev('a', 1301)],
      [1, ev('a', 1390)],
    ];
    const kept = pipeline(config);
    const pruned = pipeline(config, { prune: true });
    const run = (p: ReturnType<typeof pipeline>) =>
      stream.flatMap(([partition, e]) => p.send({ partition }, e));
    const keptDecisions = run(kept);
    expect(run(pruned)).toEqual(keptDecisions);
    expect(outcomes(keptDecisions)).toContain('late');
    expect(pruned.states.size).toBeLessThan(kept.states.size);
  });

  it('a state is expired once the watermark minus the allowed lateness reaches its expiry', () => {
    const state = { expiresAt: 1000 } as KeyState;
    const semantics = { allowedLatenessMs: 50 };
    expect(isStateExpired(state, null, semantics)).toBe(false);
    expect(isStateExpired(state, 1049, semantics)).toBe(false);
    expect(isStateExpired(state, 1050, semantics)).toBe(true);
  });
});

describe('decideEventBatch: records and inputs', () => {
  it('passes invalid records through with their reason', () => {
    const p = pipeline({});
    const invalid: ParsedRecord = {
      kind: 'invalid',
      coords: { topic: 'raw', partition: 0, offset: '0' },
      errorType: 'invalid_json',
      reason: 'bad',
    };
    expect(p.send({}, invalid)).toEqual([
      {
        outcome: 'invalid',
        coords: { topic: 'raw', partition: 0, offset: '0' },
        record: invalid,
        errorType: 'invalid_json',
        reason: 'bad',
      },
    ]);
  });

  it('decides a re-delivered record that owns its state as unique again, changing nothing', () => {
    const semantics = pipelineSemanticsSchema.parse({ allowedLatenessMs: 0 });
    const record: ValidRecord = {
      kind: 'valid',
      coords: { topic: 'raw', partition: 0, offset: '5' },
      event: { event_id: 'a', event_type: 't', event_time: 1000, payload: null, schema_version: 1 },
    };
    const first = decideEventBatch({
      records: [record],
      partition: 0,
      states: new Map(),
      watermarks: EMPTY_WATERMARK_SNAPSHOT,
      now: 1,
      semantics,
    });
    // The watermark has moved on meanwhile (other records): the record would now be late.
    const watermarks = { ...first.watermarks, pipelineWatermark: 9000 };
    const again = decideEventBatch({
      records: [record],
      partition: 0,
      states: first.changedStates,
      watermarks,
      now: 2,
      semantics,
    });
    expect(again.decisions).toEqual(first.decisions);
    expect(again.changedStates.size).toBe(0);
    expect(again.watermarks).toEqual(watermarks);
  });

  it('does not mutate its inputs', () => {
    const semantics = pipelineSemanticsSchema.parse({ window: { kind: 'session', gapMs: 100 } });
    const coords = (offset: number) => ({ topic: 'raw', partition: 0, offset: String(offset) });
    const event = (t: number) => ({
      event_id: 'a',
      event_type: 't',
      event_time: t,
      payload: {},
      schema_version: 1,
    });
    const records: ParsedRecord[] = [1000, 1050].map((t, i) => ({
      kind: 'valid',
      coords: coords(i),
      event: event(t),
    }));
    const existing: KeyState = {
      stateKey: 'event_id:a',
      strategy: 'event_id',
      origin: { topic: 'raw', partition: 1, offset: '9' },
      eventId: 'a',
      firstEventTime: 990,
      firstSeenAt: 0,
      expiresAt: 1090,
    };
    const states = new Map([[existing.stateKey, existing]]);
    const watermarks: WatermarkSnapshot = {
      partitions: [{ partition: 0, maxEventTime: 900, lastActivityAt: 0 }],
      pipelineWatermark: 900,
    };
    const copy = structuredClone({ records, states, watermarks });
    const out = decideEventBatch({ records, partition: 0, states, watermarks, now: 5, semantics });
    expect({ records, states, watermarks }).toEqual(copy);
    expect(out.changedStates.get('event_id:a')?.expiresAt).toBe(1150);
  });

  it('refuses a record of another partition (a processor bug, not data)', () => {
    const p = pipeline({});
    const record: ParsedRecord = {
      kind: 'invalid',
      coords: { topic: 'raw', partition: 1, offset: '0' },
      errorType: 'invalid_json',
      reason: 'x',
    };
    expect(() =>
      decideEventBatch({
        records: [record],
        partition: 0,
        states: new Map(),
        watermarks: EMPTY_WATERMARK_SNAPSHOT,
        now: 0,
        semantics: p.semantics,
      }),
    ).toThrow(/not from partition 0/);
  });

  it('builds failed decisions for the processor', () => {
    const coords = { topic: 'raw', partition: 0, offset: '3' };
    expect(failedDecision(coords, 'gave up after 6 attempts')).toEqual({
      outcome: 'failed',
      coords,
      errorType: 'processing_failed',
      reason: 'gave up after 6 attempts',
    });
  });
});

/** Like `pipeline`, in approximate mode: Bloom stripes are carried over between batches. */
function approximatePipeline(
  config: PipelineSemanticsInput,
  layoutOverride: Partial<ApproximateLayout> = {},
) {
  const semantics = pipelineSemanticsSchema.parse({
    maxOutOfOrdernessMs: 0,
    allowedLatenessMs: 1_000,
    idleTimeoutMs: 1_000_000,
    approximate: { falsePositiveRate: 0.001, expectedKeysPerSecond: 1_000 },
    ...config,
  });
  const sized = approximateLayout(semantics);
  if (sized === null) throw new Error('expected approximate semantics');
  const layout = { ...sized, ...layoutOverride };
  const stripes = new Map<number, BloomStripe>();
  let watermarks: WatermarkSnapshot = EMPTY_WATERMARK_SNAPSHOT;
  let offset = 0;
  return {
    layout,
    stripes,
    send(...specs: EventSpec[]): EngineDecision[] {
      const out = decideEventBatch({
        records: specs.map((spec) => ({
          kind: 'valid' as const,
          coords: { topic: 'raw', partition: 0, offset: String(offset++) },
          event: { event_type: 'order.created', payload: {}, schema_version: 1, ...spec },
        })),
        partition: 0,
        states: new Map(),
        watermarks,
        now: 0,
        semantics,
        bloom: { layout, stripes },
      });
      for (const [block, stripe] of out.changedStripes) stripes.set(block, stripe);
      watermarks = out.watermarks;
      expect(out.changedStates.size).toBe(0);
      return out.decisions;
    },
  };
}

describe('decideEventBatch: approximate mode (Bloom filters per generation)', () => {
  it('tumbling: buckets are the generations, exactly as in exact mode; decisions name the generation', () => {
    const p = approximatePipeline({ window: { kind: 'tumbling', sizeMs: 100 } });
    const decisions = p.send(ev('a', 1050), ev('a', 1099), ev('a', 1100), ev('a', 1000));
    expect(outcomes(decisions)).toEqual(['unique', 'duplicate', 'unique', 'duplicate']);
    expect(decisions[0]).toMatchObject({ stateKeys: ['event_id:a#10'], approximate: { generation: 10 } });
    expect(decisions[1]).toMatchObject({
      strategy: 'event_id',
      stateKey: 'event_id:a#10',
      first: null, // a filter knows that the key was seen, not where
      approximate: { generation: 10 },
    });
    expect(decisions[2]).toMatchObject({ approximate: { generation: 11 } });
  });

  it('sliding: a key is remembered at least the window, and less than a quarter window longer', () => {
    // W = 100, generations of 25: a claim at 1010 (generation 40, 1000-1024) is in scope below
    // (40 + 1) * 25 + 100 = 1125. Exact mode would make 1110 unique again.
    const p = approximatePipeline({ window: { kind: 'sliding', sizeMs: 100 } });
    expect(outcomes(p.send(ev('a', 1010)))).toEqual(['unique']);
    expect(outcomes(p.send(ev('a', 1109)))).toEqual(['duplicate']);
    expect(outcomes(p.send(ev('a', 1124)))).toEqual(['duplicate']); // the stretch
    expect(outcomes(p.send(ev('a', 1125)))).toEqual(['unique']);
    expect(outcomes(p.send(ev('a', 1000)))).toEqual(['duplicate']); // no lower bound, as in exact mode
  });

  it('session: every copy adds the key to its own generation, so the session lives on from it', () => {
    // gap 100, generations of 25: 1000 is in scope below 1125; the copy at 1120 (generation 44)
    // moves that to 1225; the copy at 1224 (generation 48) to 1325.
    const p = approximatePipeline({ window: { kind: 'session', gapMs: 100 } });
    const decisions = p.send(ev('a', 1000), ev('a', 1120), ev('a', 1224), ev('a', 1324), ev('a', 1450));
    expect(outcomes(decisions)).toEqual(['unique', 'duplicate', 'duplicate', 'duplicate', 'unique']);
    expect(decisions.slice(1, 4).map((d) => (d.outcome === 'duplicate' ? d.approximate : null))).toEqual([
      { generation: 40 },
      { generation: 44 },
      { generation: 48 },
    ]);
  });

  it('names the first strategy that matched, and a duplicate adds none of its keys', () => {
    const p = approximatePipeline({
      window: { kind: 'sliding', sizeMs: 100 },
      keys: [
        { name: 'event_id', kind: 'event_id' },
        { name: 'order', kind: 'fields', fields: ['payload.order'] },
      ],
    });
    const decisions = p.send(
      ev('a', 1000, { payload: { order: 'o1' } }),
      ev('b', 1001, { payload: { order: 'o1' } }), // another id, the same order
      ev('b', 1002, { payload: { order: 'o2' } }), // `b` was not claimed by the duplicate
      ev('a', 1003, { payload: { order: 'o2' } }), // both keys match: the first strategy is named
    );
    expect(outcomes(decisions)).toEqual(['unique', 'duplicate', 'unique', 'duplicate']);
    expect(decisions[1]).toMatchObject({ strategy: 'order', stateKey: 'order:["o1"]' });
    expect(decisions[3]).toMatchObject({ strategy: 'event_id', stateKey: 'event_id:a' });
  });

  it('a false positive: a key whose bits other keys set is called a duplicate', () => {
    // One block and one bit per key: find an id whose bit is the one `a` set.
    const layout = { blocks: 1, hashes: 1 };
    const bitOf = (id: string) => bloomProbe(`event_id:${id}`, 1, 1).positions[0];
    const twin = Array.from({ length: 5_000 }, (_, i) => `b${i}`).find((id) => bitOf(id) === bitOf('a'));
    if (twin === undefined) throw new Error('no colliding id among 5000');
    const p = approximatePipeline({ window: { kind: 'sliding', sizeMs: 100 } }, layout);
    const decisions = p.send(ev('a', 1000), ev(twin, 1001));
    expect(decisions[1]).toMatchObject({ outcome: 'duplicate', stateKey: `event_id:${twin}`, first: null });
  });

  it('late records are decided before the filters, and change none', () => {
    const p = approximatePipeline({ window: { kind: 'sliding', sizeMs: 100 }, allowedLatenessMs: 0 });
    p.send(ev('x', 2000));
    const before = new Map(p.stripes);
    expect(p.send(ev('a', 1000))[0]).toMatchObject({ outcome: 'late', latenessMs: 1000 });
    expect(p.stripes).toEqual(before);
  });

  it('takes filters exactly when the semantics are approximate', () => {
    const exact = pipelineSemanticsSchema.parse({});
    const approximate = pipelineSemanticsSchema.parse({
      approximate: { falsePositiveRate: 0.01, expectedKeysPerSecond: 10 },
    });
    const layout = approximateLayout(approximate);
    if (layout === null) throw new Error('layout expected');
    const input = {
      records: [],
      partition: 0,
      states: new Map(),
      watermarks: EMPTY_WATERMARK_SNAPSHOT,
      now: 0,
    };
    expect(() => decideEventBatch({ ...input, semantics: approximate })).toThrow(/exactly when/);
    expect(() =>
      decideEventBatch({ ...input, semantics: exact, bloom: { layout, stripes: new Map() } }),
    ).toThrow(/exactly when/);
  });
});

describe('docs/semantics.md worked examples', () => {
  const at = (h: number, m: number, s = 0) => Date.UTC(2026, 0, 1, h, m, s);
  const config = { maxOutOfOrdernessMs: 5_000, allowedLatenessMs: 300_000 };
  const summary = (d: EngineDecision) =>
    d.outcome === 'duplicate'
      ? `duplicate of #${Number(d.first?.origin.offset) + 1}`
      : d.outcome === 'late'
        ? `late ${d.latenessMs / 1000}s`
        : d.outcome;

  it('sliding window, 10 minutes', () => {
    const p = pipeline({ ...config, window: { kind: 'sliding', sizeMs: 600_000 } });
    const decisions = [
      ev('A', at(12, 0)),
      ev('A', at(12, 9, 59)),
      ev('A', at(12, 10)),
      ev('A', at(12, 6)),
      ev('B', at(12, 4)),
    ].flatMap((e) => p.send({}, e));
    expect(decisions.map(summary)).toEqual([
      'unique',
      'duplicate of #1',
      'unique',
      'duplicate of #3',
      'late 355s',
    ]);
  });

  it('tumbling window, 1 hour', () => {
    const p = pipeline({ ...config, window: { kind: 'tumbling', sizeMs: 3_600_000 } });
    const decisions = [
      ev('A', at(12, 10)),
      ev('A', at(12, 59)),
      ev('A', at(13, 0)),
      ev('A', at(12, 58)),
    ].flatMap((e) => p.send({}, e));
    expect(decisions.map(summary)).toEqual(['unique', 'duplicate of #1', 'unique', 'duplicate of #1']);
  });

  it('session window, gap 30 minutes', () => {
    const p = pipeline({ ...config, window: { kind: 'session', gapMs: 1_800_000 } });
    const decisions = [
      ev('A', at(12, 0)),
      ev('A', at(12, 20)),
      ev('A', at(12, 45)),
      ev('A', at(13, 20)),
    ].flatMap((e) => p.send({}, e));
    expect(decisions.map(summary)).toEqual(['unique', 'duplicate of #1', 'duplicate of #1', 'unique']);
    expect(p.states.get('event_id:A')?.expiresAt).toBe(at(13, 50));
  });
});

describe('decideEventBatch: replayed DLQ records (docs/adr/0009)', () => {
  const replayed = (event_id: string, event_time: number): ParsedRecord => ({
    kind: 'valid',
    coords: { topic: 'raw', partition: 0, offset: '0' },
    replay: true,
    event: { event_id, event_time, event_type: 'order.created', payload: {}, schema_version: 1 },
  });

  it('is never late: windowed at the lateness horizon, its claim outlives the sweep', () => {
    const p = pipeline({ window: { kind: 'sliding', sizeMs: 100 }, allowedLatenessMs: 50 }, { prune: true });
    p.send({}, ev('live', 10_000));
    expect(p.watermark).toBe(10_000);
    const [first] = p.send({}, replayed('old', 1_000));
    expect(first).toMatchObject({ outcome: 'unique' });
    // Claimed at the horizon (10 000 - 50), so it expires a window later, not at 1 100.
    expect(p.states.get('event_id:old')).toMatchObject({ firstEventTime: 9_950, expiresAt: 10_050 });
    // An ordinary record that old is late; a second replay of the same event is a duplicate.
    expect(outcomes(p.send({}, ev('old', 1_000), replayed('old', 1_000)))).toEqual(['late', 'duplicate']);
  });

  it('moves no watermark, and a record still on time keeps its own event time', () => {
    const p = pipeline({ window: { kind: 'sliding', sizeMs: 100 }, allowedLatenessMs: 50 });
    p.send({}, ev('live', 10_000));
    p.send({}, replayed('new', 20_000), replayed('recent', 9_990));
    expect(p.watermark).toBe(10_000);
    expect(p.states.get('event_id:recent')).toMatchObject({ firstEventTime: 9_990 });
  });

  it('tumbling: past its bucket it neither reads nor claims state, and is unique', () => {
    const p = pipeline({ window: { kind: 'tumbling', sizeMs: 100 } });
    p.send({}, ev('a', 1_050), ev('live', 10_000));
    const decisions = p.send({}, replayed('a', 1_050), replayed('a', 1_050));
    expect(decisions.map((d) => [d.outcome, d.outcome === 'unique' ? d.stateKeys : null])).toEqual([
      ['unique', []],
      ['unique', []],
    ]);
    // Within its bucket it is deduplicated as usual.
    expect(outcomes(p.send({}, replayed('live', 10_001)))).toEqual(['duplicate']);
  });
});
