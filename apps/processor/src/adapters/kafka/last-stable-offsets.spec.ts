import { Kafka, logLevel } from 'kafkajs';
import { LastStableOffsetReader, pairOffsets, stableOffsetLag } from './last-stable-offsets';

describe('output partitions: end offset against last stable offset', () => {
  it('pairs the two ListOffsets answers by topic and partition', () => {
    const end = [
      {
        topic: 'out',
        partitions: [
          { partition: 0, offset: '120' },
          { partition: 1, offset: '7' },
        ],
      },
      { topic: 'dlq', partitions: [{ partition: 0, offset: '3' }] },
    ];
    const stable = [
      { topic: 'dlq', partitions: [{ partition: 0, offset: '3' }] },
      {
        topic: 'out',
        partitions: [
          { partition: 1, offset: '7' },
          { partition: 0, offset: '100' },
        ],
      },
    ];
    expect(pairOffsets(end, stable)).toEqual([
      { topic: 'out', partition: 0, endOffset: 120n, lastStableOffset: 100n },
      { topic: 'out', partition: 1, endOffset: 7n, lastStableOffset: 7n },
      { topic: 'dlq', partition: 0, endOffset: 3n, lastStableOffset: 3n },
    ]);
  });

  it('leaves out a partition the second answer lacks', () => {
    expect(
      pairOffsets(
        [{ topic: 'out', partitions: [{ partition: 0, offset: '5' }] }],
        [{ topic: 'out', partitions: [] }],
      ),
    ).toEqual([]);
  });

  it('counts the records not yet stable, never below 0 (an LSO read after the end offset can pass it)', () => {
    expect(stableOffsetLag({ endOffset: 120n, lastStableOffset: 100n })).toBe(20);
    expect(stableOffsetLag({ endOffset: 7n, lastStableOffset: 7n })).toBe(0);
    expect(stableOffsetLag({ endOffset: 7n, lastStableOffset: 9n })).toBe(0);
  });

  it("finds kafkajs's cluster factory on a client, and fails loudly without one", () => {
    const kafka = new Kafka({ clientId: 'spec', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    expect(() => new LastStableOffsetReader(kafka)).not.toThrow();
    expect(() => new LastStableOffsetReader(Object.create(null) as Kafka)).toThrow(
      /kafkajs internals changed/,
    );
  });
});
