import type { InputEvent } from '@dedup/contracts';
import { claimCandidates, decideBatch, dedupKey, type Claim } from './decide-batch';
import type { ParsedRecord, ValidRecord } from './parse-record';

const at = (offset: number, partition = 0) => ({ topic: 'raw', partition, offset: String(offset) });
const event = (id: string): InputEvent => ({
  event_id: id,
  event_type: 't',
  event_time: 1000,
  payload: null,
  schema_version: 1,
});
const valid = (id: string, offset: number): ValidRecord => ({
  kind: 'valid',
  coords: at(offset),
  event: event(id),
});
const claimOf = (record: ValidRecord): Claim => ({
  key: dedupKey(record),
  origin: record.coords,
  eventId: record.event.event_id,
  firstSeenAt: 1,
});

describe('claimCandidates', () => {
  it('proposes the first occurrence of each key, in offset order', () => {
    const records: ParsedRecord[] = [valid('a', 1), valid('b', 2), valid('a', 3)];
    expect(claimCandidates(records).map((c) => [c.key, c.origin.offset])).toEqual([
      ['event_id:a', '1'],
      ['event_id:b', '2'],
    ]);
  });

  it('skips invalid records', () => {
    const records: ParsedRecord[] = [
      { kind: 'invalid', coords: at(1), errorType: 'invalid_json', reason: 'x' },
      valid('a', 2),
    ];
    expect(claimCandidates(records)).toHaveLength(1);
  });
});

describe('decideBatch', () => {
  it('marks the claim owner unique and every other occurrence a duplicate of it', () => {
    const a1 = valid('a', 1);
    const a3 = valid('a', 3);
    const b2 = valid('b', 2);
    const claims = new Map([a1, b2].map((r) => [dedupKey(r), claimOf(r)]));
    const decisions = decideBatch([a1, b2, a3], claims);
    expect(decisions.map((d) => d.outcome)).toEqual(['unique', 'unique', 'duplicate']);
    const dup = decisions[2];
    expect(dup?.outcome === 'duplicate' && dup.first.origin).toEqual(at(1));
  });

  it('makes every occurrence a duplicate when an earlier batch owns the key', () => {
    const earlier = valid('a', 0);
    const decisions = decideBatch(
      [valid('a', 5), valid('a', 6)],
      new Map([[dedupKey(earlier), claimOf(earlier)]]),
    );
    expect(decisions.map((d) => d.outcome)).toEqual(['duplicate', 'duplicate']);
  });

  it('decides a re-delivered record as unique again when the claim is its own', () => {
    const record = valid('a', 9);
    expect(decideBatch([record], new Map([[dedupKey(record), claimOf(record)]]))[0]?.outcome).toBe('unique');
  });

  it('passes invalid records through with their reason', () => {
    const decisions = decideBatch(
      [{ kind: 'invalid', coords: at(1), errorType: 'invalid_utf8', reason: 'bad bytes' }],
      new Map(),
    );
    expect(decisions[0]).toMatchObject({
      outcome: 'invalid',
      errorType: 'invalid_utf8',
      reason: 'bad bytes',
    });
  });

  it('throws when the arbiter left a key unanswered (a bug, not data)', () => {
    expect(() => decideBatch([valid('a', 1)], new Map())).toThrow(/no claim resolved/);
  });
});
