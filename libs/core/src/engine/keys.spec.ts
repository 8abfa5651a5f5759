import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { InputEvent, KeyStrategy } from '@dedup/contracts';
import { canonicalJson, extractKeys, MAX_COMPOSITE_KEY_LENGTH } from './keys';

const event = (overrides: Partial<InputEvent> = {}): InputEvent => ({
  event_id: 'e-1',
  event_type: 'order.created',
  event_time: 1000,
  payload: { order_id: 'o-1', line: 2, body: { b: 1, a: [1, 2] } },
  schema_version: 1,
  ...overrides,
});
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('canonicalJson', () => {
  it('sorts object keys by UTF-16 code units, at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 }, B: 0 })).toBe('{"B":0,"a":{"c":2,"d":1},"b":1}');
    // U+FB01 (a BMP ligature) sorts after U+1F600 (a surrogate pair, 0xD83D...) by code units,
    // although its code point is smaller: the order must not depend on how a runtime compares.
    expect(canonicalJson({ '\uFB01': 1, '\u{1F600}': 2 })).toBe('{"\u{1F600}":2,"\uFB01":1}');
  });

  it('keeps array order, and nested arrays and objects', () => {
    expect(canonicalJson([3, [2, 1], { z: [true, null], y: 'x' }])).toBe(
      '[3,[2,1],{"y":"x","z":[true,null]}]',
    );
  });

  it('normalises numbers: -0 is 0, integers have no fraction, shortest round-trip form', () => {
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson([1.0, 1.5, 100, 1e21, 0.1 + 0.2])).toBe('[1,1.5,100,1e+21,0.30000000000000004]');
    expect(canonicalJson(JSON.parse('{"n": 1.000}'))).toBe('{"n":1}');
  });

  it('NFC-normalises strings and object keys', () => {
    const decomposed = 'e\u0301';
    const precomposed = '\u00e9';
    expect(canonicalJson(decomposed)).toBe(canonicalJson(precomposed));
    expect(canonicalJson({ [decomposed]: decomposed })).toBe(`{"${precomposed}":"${precomposed}"}`);
  });

  it('escapes like JSON.stringify, so the text parses back to the value', () => {
    const value = { quote: '"', newline: '\n', lone: '\ud800', tab: '\t' };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  it('drops undefined members and writes undefined array elements as null', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('keeps both members when two keys are equal only after NFC, in an order of their own', () => {
    expect(canonicalJson({ 'e\u0301': 2, '\u00e9': 1 })).toBe(canonicalJson({ '\u00e9': 1, 'e\u0301': 2 }));
  });

  it.each([NaN, Infinity, 1n, undefined, () => 1, Symbol('s')])('throws on %p (no JSON form)', (value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('does not depend on member order (property)', () => {
    const json = fc.jsonValue();
    fc.assert(
      fc.property(json, fc.integer(), (value, salt) => {
        const shuffled = shuffleKeys(value, salt);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(normalise(value));
      }),
      { numRuns: 300 },
    );
  });
});

describe('extractKeys', () => {
  const byId: KeyStrategy = { name: 'event_id', kind: 'event_id' };
  const order: KeyStrategy = { name: 'order', kind: 'fields', fields: ['payload.order_id', 'payload.line'] };
  const body: KeyStrategy = { name: 'body', kind: 'content_hash', fields: ['payload.body', 'event_type'] };

  it('builds one key per strategy, in strategy order, prefixed with the strategy name', () => {
    expect(extractKeys(event(), [order, byId, body])).toEqual([
      { strategy: 'order', key: 'order:["o-1",2]' },
      { strategy: 'event_id', key: 'event_id:e-1' },
      {
        strategy: 'body',
        key: `body:${sha256('{"event_type":"order.created","payload.body":{"a":[1,2],"b":1}}')}`,
      },
    ]);
  });

  it('keeps event ids exactly as sent (no normalisation)', () => {
    expect(extractKeys(event({ event_id: 'e\u0301' }), [byId])).toEqual([
      { strategy: 'event_id', key: 'event_id:e\u0301' },
    ]);
  });

  it('reads array elements by index and only own members', () => {
    const items: KeyStrategy = { name: 'sku', kind: 'fields', fields: ['payload.items.1.sku'] };
    expect(extractKeys(event({ payload: { items: [{ sku: 'a' }, { sku: 'b' }] } }), [items])).toEqual([
      { strategy: 'sku', key: 'sku:["b"]' },
    ]);
    const proto: KeyStrategy = { name: 'p', kind: 'fields', fields: ['payload.constructor'] };
    expect(extractKeys(event(), [proto])).toEqual({ missing: 'payload.constructor', strategy: 'p' });
    const length: KeyStrategy = { name: 'l', kind: 'fields', fields: ['payload.items.length'] };
    expect(extractKeys(event({ payload: { items: [] } }), [length])).toEqual({
      missing: 'payload.items.length',
      strategy: 'l',
    });
  });

  it('makes an event keyless when a composite field is absent or null', () => {
    expect(extractKeys(event({ payload: { order_id: 'o-1' } }), [byId, order])).toEqual({
      missing: 'payload.line',
      strategy: 'order',
    });
    expect(extractKeys(event({ payload: { order_id: null, line: 1 } }), [order])).toEqual({
      missing: 'payload.order_id',
      strategy: 'order',
    });
    expect(extractKeys(event({ payload: 'not an object' }), [order])).toEqual({
      missing: 'payload.order_id',
      strategy: 'order',
    });
  });

  it('hashes an over-long composite key, in a form no short key can take', () => {
    const long = 'x'.repeat(MAX_COMPOSITE_KEY_LENGTH);
    const keys = extractKeys(event({ payload: { order_id: long, line: 1 } }), [order]);
    expect(keys).toEqual([{ strategy: 'order', key: `order:sha256:${sha256(`["${long}",1]`)}` }]);
  });

  it('content hash ignores key order in objects and the order of the field list', () => {
    const a = event({ payload: { body: { x: 1, y: { p: 'q', r: 's' } } } });
    const b = event({ payload: { body: { y: { r: 's', p: 'q' }, x: 1 } } });
    const reversed: KeyStrategy = {
      name: 'body',
      kind: 'content_hash',
      fields: ['event_type', 'payload.body'],
    };
    expect(extractKeys(a, [body])).toEqual(extractKeys(b, [body]));
    expect(extractKeys(a, [body])).toEqual(extractKeys(b, [reversed]));
  });

  it('content hash tells an absent field from a null one, and needs at least one present', () => {
    const hash = (payload: unknown) => extractKeys(event({ payload }), [body]);
    expect(hash({ body: null })).not.toEqual(hash({}));
    expect(hash({})).toEqual([{ strategy: 'body', key: `body:${sha256('{"event_type":"order.created"}')}` }]);
    const onlyBody: KeyStrategy = {
      name: 'body',
      kind: 'content_hash',
      fields: ['payload.body', 'payload.x'],
    };
    expect(extractKeys(event({ payload: {} }), [onlyBody])).toEqual({
      missing: 'payload.body, payload.x',
      strategy: 'body',
    });
  });

  it('hashes event_time as the normalised epoch ms, whatever form the producer used', () => {
    const time: KeyStrategy = { name: 't', kind: 'content_hash', fields: ['event_time'] };
    expect(extractKeys(event({ event_time: 5 }), [time])).toEqual([
      { strategy: 't', key: `t:${sha256('{"event_time":5}')}` },
    ]);
  });

  it('accepts a field named __proto__ as a plain member', () => {
    const proto: KeyStrategy = { name: 'p', kind: 'content_hash', fields: ['payload.__proto__'] };
    const payload = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    expect(extractKeys(event({ payload }), [proto])).toEqual([
      { strategy: 'p', key: `p:${sha256('{"payload.__proto__":{"x":1}}')}` },
    ]);
  });
});

/** Rebuilds every object of a JSON value with its members in a pseudo-random order. */
function shuffleKeys(value: unknown, salt: number): unknown {
  if (Array.isArray(value)) return value.map((v: unknown) => shuffleKeys(v, salt));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const order = entries.map((_, i) => ((i + 1) * (salt | 1) * 2654435761) % 4294967296);
  const shuffled = entries
    .map((entry, i) => ({ entry, rank: order[i] ?? 0 }))
    .sort((a, b) => a.rank - b.rank);
  const out = Object.create(null) as Record<string, unknown>;
  for (const { entry } of shuffled) out[entry[0]] = shuffleKeys(entry[1], salt);
  return out;
}

/** What canonical JSON preserves: the value with -0 as 0 and strings/keys in NFC. */
function normalise(value: unknown): unknown {
  if (typeof value === 'string') return value.normalize('NFC');
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.normalize('NFC'), normalise(v)]));
}
