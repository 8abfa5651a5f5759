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

  it('names the failing field in a schema violation', () => {
    const parsed = parseRecord(bytes(JSON.stringify({ ...valid, schema_version: 'one' })), coords, options);
    expect(parsed.kind === 'invalid' && parsed.reason).toMatch(/^schema_version: /);
  });
});
