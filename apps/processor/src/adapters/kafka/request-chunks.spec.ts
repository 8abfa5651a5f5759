import { describe, expect, it } from '@jest/globals';
import { requestChunks, type OutputRecord } from './kafka.adapter';

const record = (bytes: number): OutputRecord => ({
  topic: 'dlq',
  key: null,
  value: Buffer.alloc(bytes),
  headers: { 'dedup-reason': 'x' },
});

describe('requestChunks', () => {
  it('keeps every produce request under the size, in order, losing nothing', () => {
    const outputs = Array.from({ length: 5_000 }, () => record(600));
    const chunks = requestChunks(outputs, 512 * 1024);
    expect(chunks.flat()).toEqual(outputs);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      const bytes = chunk.reduce((n, o) => n + (o.value as Buffer).length, 0);
      expect(bytes).toBeLessThan(512 * 1024);
    }
  });

  it('sends a record larger than the size alone, and nothing for no records', () => {
    const big = record(2_000_000);
    expect(requestChunks([record(10), big, record(10)], 1_000)).toEqual([[record(10)], [big], [record(10)]]);
    expect(requestChunks([])).toEqual([]);
  });
});
