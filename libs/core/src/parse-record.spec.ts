import { parseRecord } from './parse-record';

const coords = { topic: 'events.raw', partition: 0, offset: '7' };
const options = { maxPayloadBytes: 1024 };
const bytes = (s: string) => new TextEncoder().encode(s);
const valid = {
  event_id: 'e-1',
  event_type: 'order.created',
  event_time: '2026-01-01T00:00:00.000Z',
  payload: { amount: 3 },
  schema_version: 1,
};

describe('parseRecord', () => {
  it('accepts a valid event and normalises ISO event_time to epoch ms', () => {
    const parsed = parseRecord(bytes(JSON.stringify(valid)), coords, options);
    expect(parsed.kind).toBe('valid');
    if (parsed.kind === 'valid') expect(parsed.event.event_time).toBe(Date.UTC(2026, 0, 1));
  });

  it('accepts epoch ms and keeps unknown fields', () => {
    const parsed = parseRecord(
      bytes(JSON.stringify({ ...valid, event_time: 5, extra: 'x' })),
      coords,
      options,
    );
    expect(parsed).toMatchObject({ kind: 'valid', event: { event_time: 5, extra: 'x' } });
  });

  it.each([
    ['empty_record', null],
    ['empty_record', new Uint8Array()],
    ['invalid_utf8', Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['invalid_json', bytes('{"event_id":')],
    ['schema_violation', bytes(JSON.stringify({ ...valid, event_id: '' }))],
    ['schema_violation', bytes(JSON.stringify({ ...valid, event_time: 'yesterday' }))],
    ['schema_violation', bytes('[1,2]')],
    ['payload_too_large', bytes(JSON.stringify({ ...valid, payload: 'x'.repeat(2000) }))],
  ] as const)('rejects %s', (errorType, value) => {
    const parsed = parseRecord(value, coords, options);
    expect(parsed).toMatchObject({ kind: 'invalid', errorType, coords });
    if (parsed.kind === 'invalid') expect(parsed.reason.length).toBeGreaterThan(0);
  });

  it('refuses a record whose value, key and headers (otherBytes) would not fit an output record', () => {
    const value = bytes(JSON.stringify({ ...valid, payload: 'x'.repeat(500) }));
    const limits = { ...options, maxRecordBytes: 800 };
    expect(parseRecord(value, coords, { ...limits, otherBytes: 800 - value.byteLength }).kind).toBe('valid');
    const parsed = parseRecord(value, coords, { ...limits, otherBytes: 801 - value.byteLength });
    expect(parsed).toMatchObject({ kind: 'invalid', errorType: 'payload_too_large' });
    if (parsed.kind === 'invalid') expect(parsed.reason).toMatch(/800-byte limit of an output record/);
    // Without maxRecordBytes only the value counts.
    expect(parseRecord(value, coords, { ...options, otherBytes: 10_000 }).kind).toBe('valid');
  });

  describe('event time in the future', () => {
    const now = Date.UTC(2026, 0, 1);
    const at = (ms: number) => bytes(JSON.stringify({ ...valid, event_time: ms }));

    it('rejects an event further ahead of the clock than maxFutureSkewMs', () => {
      const parsed = parseRecord(at(now + 1001), coords, { ...options, now, maxFutureSkewMs: 1000 });
      expect(parsed).toMatchObject({ kind: 'invalid', errorType: 'event_time_in_future', coords });
      expect(parsed.kind === 'invalid' && parsed.reason).toBe(
        'event_time 2026-01-01T00:00:01.001Z is 1001 ms ahead of the processor clock (at most 1000 ms allowed)',
      );
    });

    it('accepts an event exactly maxFutureSkewMs ahead, and any event in the past', () => {
      expect(parseRecord(at(now + 1000), coords, { ...options, now, maxFutureSkewMs: 1000 }).kind).toBe(
        'valid',
      );
      expect(parseRecord(at(0), coords, { ...options, now, maxFutureSkewMs: 0 }).kind).toBe('valid');
    });

    it('uses the pipeline default skew (5 min) when only now is given', () => {
      expect(parseRecord(at(now + 300_000), coords, { ...options, now }).kind).toBe('valid');
      expect(parseRecord(at(now + 300_001), coords, { ...options, now }).kind).toBe('invalid');
    });

    it('does not check without a clock (existing callers)', () => {
      expect(parseRecord(at(Number.MAX_SAFE_INTEGER), coords, options).kind).toBe('valid');
    });

    it('reports an event time beyond the range of Date without throwing', () => {
      const parsed = parseRecord(at(Number.MAX_SAFE_INTEGER), coords, { ...options, now });
      expect(parsed.kind === 'invalid' && parsed.reason).toMatch(
        /^event_time 9007199254740991 \(epoch ms\) is /,
      );
    });
  });

  it('names the failing field in a schema violation', () => {
    const parsed = parseRecord(bytes(JSON.stringify({ ...valid, schema_version: 'one' })), coords, options);
    expect(parsed.kind === 'invalid' && parsed.reason).toMatch(/^schema_version: /);
  });
});
