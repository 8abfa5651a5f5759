import { describe, expect, it } from '@jest/globals';
import { DEDUP_HEADERS } from '@dedup/contracts';
import type { ParsedRecord } from '@dedup/core';
import { hash } from 'node:crypto';
import { planReplays, replayKey, type ReplayItemState } from './replay-records';

const sha = (b: Buffer | null) => hash('sha256', b ?? Buffer.alloc(0), 'hex');
const parsed = (offset: string, partition = 0): ParsedRecord => ({
  kind: 'invalid',
  coords: { topic: 'raw', partition, offset },
  errorType: 'invalid_json',
  reason: 'x',
});
const raw = (value: string, headers: Record<string, string>) => ({
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers,
});
const replayHeaders = { [DEDUP_HEADERS.replayOf]: '12', [DEDUP_HEADERS.replayRun]: '3' };
const item = (value: string, decided: ReplayItemState['decided'] = null): ReplayItemState => ({
  decided,
  keyHash: sha(Buffer.from('k')),
  valueHash: sha(Buffer.from(value)),
});

describe('planReplays', () => {
  const key = replayKey({ runId: '3', dlqId: '12' });

  it('takes the first copy of an undecided item as the replay, and later copies as its duplicates', () => {
    const plans = planReplays(
      [
        { parsed: parsed('5'), raw: raw('bad', replayHeaders) },
        { parsed: parsed('9'), raw: raw('bad', replayHeaders) },
      ],
      new Map([[key, item('bad')]]),
      1_000,
    );
    expect(plans.map((p) => p.kind)).toEqual(['replay', 'copy']);
    expect(plans[1]).toMatchObject({ first: { topic: 'raw', partition: 0, offset: '5', at: 1_000 } });
  });

  it('gives nothing to a header whose record is not the DLQ record byte for byte, or names no item', () => {
    const plans = planReplays(
      [
        { parsed: parsed('5'), raw: raw('forged', replayHeaders) },
        {
          parsed: parsed('6'),
          raw: raw('bad', { [DEDUP_HEADERS.replayOf]: '13', [DEDUP_HEADERS.replayRun]: '3' }),
        },
        {
          parsed: parsed('7'),
          raw: raw('bad', { [DEDUP_HEADERS.replayOf]: 'x', [DEDUP_HEADERS.replayRun]: '3' }),
        },
        { parsed: parsed('8'), raw: raw('bad', {}) },
      ],
      new Map([[key, item('bad')]]),
      1_000,
    );
    expect(plans.map((p) => p.kind)).toEqual(['ordinary', 'ordinary', 'ordinary', 'ordinary']);
  });

  it('treats a copy of an item decided in an earlier batch as a duplicate of that decision', () => {
    const decided = { topic: 'raw', partition: 1, offset: '40', at: 500 };
    const [plan] = planReplays(
      [{ parsed: parsed('5'), raw: raw('bad', replayHeaders) }],
      new Map([[key, item('bad', decided)]]),
      1_000,
    );
    expect(plan).toEqual({ kind: 'copy', ref: { runId: '3', dlqId: '12' }, first: decided });
  });
});
