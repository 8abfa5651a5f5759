import fc from 'fast-check';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { JavaCompatiblePartitioner, murmur2, murmur2OfKey } from './java-compatible-partitioner';
import { kafkajsRequire } from './kafkajs-internals';

const kafkajsMurmur2 = kafkajsRequire('./src/producer/partitioners/default/murmur2') as (
  key: Buffer | string,
) => number;

const partitionMetadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

describe('murmur2 on 32-bit integers: the same hashes as kafkajs (and the Java client)', () => {
  it('matches kafkajs on random bytes of every length remainder', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const data = Buffer.from(bytes);
        expect(murmur2(data)).toBe(kafkajsMurmur2(data));
      }),
      { numRuns: 2_000 },
    );
  });

  it('matches kafkajs on string keys, ASCII and not, long ones included', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })),
        (key) => {
          expect(murmur2OfKey(key)).toBe(kafkajsMurmur2(key));
        },
      ),
      { numRuns: 2_000 },
    );
    const long = 'e'.repeat(1_000);
    expect(murmur2OfKey(long)).toBe(kafkajsMurmur2(long));
  });

  it('gives the Java client`s values for known keys', () => {
    // org.apache.kafka.common.utils.Utils.murmur2("21".getBytes()) and friends (Kafka's UtilsTest).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });
});

describe('JavaCompatiblePartitioner', () => {
  it('puts every keyed message on the partition kafkajs`s DefaultPartitioner picks', () => {
    const ours = JavaCompatiblePartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
        ),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const args = { topic: 't', partitionMetadata: partitionMetadata(n), message: { key, value: null } };
          expect(ours(args)).toBe(theirs(args));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps an explicit partition, and spreads keyless messages over the partitions', () => {
    const ours = JavaCompatiblePartitioner();
    const meta = partitionMetadata(4);
    expect(
      ours({ topic: 't', partitionMetadata: meta, message: { key: 'k', value: null, partition: 3 } }),
    ).toBe(3);
    const seen = new Set(
      Array.from({ length: 40 }, () =>
        ours({ topic: 't', partitionMetadata: meta, message: { key: null, value: null } }),
      ),
    );
    expect(seen).toEqual(new Set([0, 1, 2, 3]));
  });
});
