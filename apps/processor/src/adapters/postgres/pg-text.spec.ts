import { pgJson, pgText } from './pg-text';

// Unit tier: what Postgres text/jsonb refuses is replaced, everything else is kept as it was.

describe('pgText and pgJson', () => {
  it('replaces U+0000 and unpaired surrogates with U+FFFD, and keeps other text', () => {
    expect(pgText('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(pgText('x\ud800y')).toBe('x\uFFFDy');
    expect(pgText('zürich 🦆')).toBe('zürich 🦆');
    expect(pgText(null)).toBeNull();
  });

  it('cleans every string of a JSON value, keys and nested arrays included', () => {
    const at = new Date('2026-12-01T00:00:00Z');
    const cleaned = pgJson({
      body: { reason: 'ab\u0000c', 'k\u0000': ['\u0000', 1, null, true, { q: '\ud800' }] },
      at,
    });
    expect(cleaned).toEqual({
      body: { reason: 'ab\uFFFDc', 'k\uFFFD': ['\uFFFD', 1, null, true, { q: '\uFFFD' }] },
      at,
    });
    expect(JSON.stringify(cleaned)).not.toMatch(/\\u0000|\\ud800/);
  });
});
