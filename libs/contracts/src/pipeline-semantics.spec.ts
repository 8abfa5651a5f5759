import { DEFAULT_PIPELINE_SEMANTICS, pipelineSemanticsSchema } from './pipeline-semantics';

const issues = (input: unknown) => {
  const result = pipelineSemanticsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('pipelineSemanticsSchema', () => {
  it('defaults to exact event_id dedup, a 1 h sliding window, 5 s out-of-orderness, 60 s lateness', () => {
    expect(pipelineSemanticsSchema.parse({})).toEqual({
      keys: [{ name: 'event_id', kind: 'event_id' }],
      window: { kind: 'sliding', sizeMs: 3_600_000 },
      maxOutOfOrdernessMs: 5_000,
      allowedLatenessMs: 60_000,
      idleTimeoutMs: 30_000,
      maxFutureSkewMs: 300_000,
    });
    expect(DEFAULT_PIPELINE_SEMANTICS).toEqual(pipelineSemanticsSchema.parse({}));
    expect(Object.isFrozen(DEFAULT_PIPELINE_SEMANTICS.keys[0])).toBe(true);
  });

  it('accepts every key strategy and window kind', () => {
    const semantics = pipelineSemanticsSchema.parse({
      keys: [
        { name: 'event_id', kind: 'event_id' },
        { name: 'order_line', kind: 'fields', fields: ['payload.order_id', 'payload.line'] },
        { name: 'body', kind: 'content_hash', fields: ['payload'] },
      ],
      window: { kind: 'session', gapMs: 600_000 },
      approximate: { falsePositiveRate: 0.01, expectedKeysPerSecond: 500 },
    });
    expect(semantics.keys.map((k) => k.kind)).toEqual(['event_id', 'fields', 'content_hash']);
    expect(pipelineSemanticsSchema.parse({ window: { kind: 'tumbling', sizeMs: 60_000 } }).window).toEqual({
      kind: 'tumbling',
      sizeMs: 60_000,
    });
  });

  it.each([
    [{ keys: [] }, 'keys: keys must name at least one key strategy'],
    [{ keys: [{ name: 'Order', kind: 'event_id' }] }, 'keys.0.name: name must be a lower-case id'],
    [{ keys: [{ name: 'a:b', kind: 'event_id' }] }, 'keys.0.name: name must be a lower-case id'],
    [
      { keys: [{ name: 'h', kind: 'content_hash', fields: [] }] },
      'keys.0.fields: fields must name at least one field',
    ],
    [
      { keys: [{ name: 'f', kind: 'fields', fields: ['payload..id'] }] },
      'keys.0.fields.0: field must be a dot path',
    ],
    [
      { keys: [{ name: 'f', kind: 'fields', fields: ['a', 'a'] }] },
      'keys.0.fields: fields must not repeat a path',
    ],
    [
      {
        keys: [
          { name: 'k', kind: 'event_id' },
          { name: 'k', kind: 'fields', fields: ['a'] },
        ],
      },
      "keys.1.name: key strategy name 'k' is used more than once",
    ],
    [{ window: { kind: 'sliding', sizeMs: 0 } }, 'window.sizeMs: '],
    [{ window: { kind: 'session', sizeMs: 10 } }, 'window.gapMs: '],
    [{ window: { kind: 'hopping', sizeMs: 10 } }, 'window.kind: '],
    [{ allowedLatenessMs: -1 }, 'allowedLatenessMs: '],
    [{ maxOutOfOrdernessMs: 1.5 }, 'maxOutOfOrdernessMs: '],
    [
      { approximate: { falsePositiveRate: 0, expectedKeysPerSecond: 10 } },
      'approximate.falsePositiveRate: falsePositiveRate must be at least 0.000001',
    ],
    [
      { approximate: { falsePositiveRate: 0.2, expectedKeysPerSecond: 10 } },
      'approximate.falsePositiveRate: falsePositiveRate must be at most 0.1',
    ],
    [
      { approximate: { falsePositiveRate: 0.01 } },
      'approximate.expectedKeysPerSecond: expectedKeysPerSecond is required',
    ],
    [
      { approximate: { falsePositiveRate: 0.01, expectedKeysPerSecond: 0 } },
      'approximate.expectedKeysPerSecond: expectedKeysPerSecond must be greater than 0',
    ],
    [
      { approximate: { falsePositiveRate: 0.01, expectedKeysPerSecond: 5, capacity: 1 } },
      'approximate: Unrecognized key: "capacity"',
    ],
    [{ allowedLatencyMs: 5 }, ': Unrecognized key: "allowedLatencyMs"'],
  ])('rejects %j', (input, message) => {
    expect(issues(input).join('\n')).toContain(message);
  });
});
