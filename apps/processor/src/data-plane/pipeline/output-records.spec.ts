import { DEDUP_HEADERS } from '@dedup/contracts';
import type { DecisionRecord } from './decision-record';
import { keyAndHeaderBytes, toOutputRecord } from './output-records';

// Unit tier: which topic a decision goes to, and what a record too large to forward keeps.

const config = {
  topics: { input: 'in', output: 'out', duplicates: 'dup', late: 'late', dlq: 'dlq' },
  pipeline: { name: 'p', version: 'v1' },
  limits: { maxPayloadBytes: 500, maxOutputRecordBytes: 6_000 },
} as const;

function decision(outcome: DecisionRecord['outcome'], over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    coords: { topic: 'in', partition: 2, offset: '41' },
    outcome,
    eventId: null,
    eventTime: null,
    stateKeys: null,
    strategy: null,
    first: null,
    errorType: 'payload_too_large',
    reason: 'too large',
    watermark: null,
    latenessMs: null,
    traceId: null,
    approximate: false,
    ...over,
  };
}

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('toOutputRecord', () => {
  it('forwards a DLQ record whole when it fits an output record (even above MAX_PAYLOAD_BYTES)', () => {
    const source = {
      key: Buffer.from('k'),
      value: Buffer.alloc(900, 0x61),
      headers: { h: 'x', traceparent },
    };
    const out = toOutputRecord(decision('invalid'), source, config);
    expect(out).toMatchObject({ topic: 'dlq', key: source.key, value: source.value });
    expect(out.headers).toMatchObject({
      h: 'x',
      traceparent,
      [DEDUP_HEADERS.errorType]: 'payload_too_large',
    });
    expect(out.headers).not.toHaveProperty(DEDUP_HEADERS.originalBytes);
  });

  it('sends a DLQ record too large to forward without its value and own headers, with its size', () => {
    const source = {
      key: Buffer.from('order-7'),
      value: Buffer.alloc(2_000_000, 0x61),
      headers: { big: 'y'.repeat(5_000), traceparent },
    };
    const out = toOutputRecord(decision('invalid'), source, config);
    expect(out.topic).toBe('dlq');
    expect(out.value).toBeNull();
    expect(out.key).toEqual(Buffer.from('order-7'));
    expect(out.headers).not.toHaveProperty('big');
    expect(out.headers).toMatchObject({
      traceparent,
      [DEDUP_HEADERS.outcome]: 'invalid',
      [DEDUP_HEADERS.errorType]: 'payload_too_large',
      [DEDUP_HEADERS.reason]: 'too large',
      [DEDUP_HEADERS.sourceOffset]: '41',
      [DEDUP_HEADERS.originalBytes]: String(2_000_000 + keyAndHeaderBytes(source)),
    });
  });

  it('drops a large key too, and counts headers alone against the limit', () => {
    const source = { key: Buffer.alloc(2_000, 0x6b), value: Buffer.from('{}'), headers: {} };
    const out = toOutputRecord(decision('failed', { errorType: 'processing_failed' }), source, config);
    expect(out).toMatchObject({ topic: 'dlq', key: null, value: null });
    expect(out.headers[DEDUP_HEADERS.originalBytes]).toBe('2002');
  });

  it('routes unique, duplicate and late records with their value', () => {
    const source = { key: null, value: Buffer.from('{"a":1}'), headers: {} };
    const clean = { errorType: null, reason: null, eventId: 'e1' };
    expect(toOutputRecord(decision('unique', clean), source, config)).toMatchObject({
      topic: 'out',
      key: 'e1',
      value: source.value,
    });
    expect(toOutputRecord(decision('duplicate', clean), source, config).topic).toBe('dup');
    expect(toOutputRecord(decision('late', clean), source, config).topic).toBe('late');
  });
});
