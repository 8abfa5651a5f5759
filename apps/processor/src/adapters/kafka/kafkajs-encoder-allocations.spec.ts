import fc from 'fast-check';
import {
  KafkaEncoder,
  UnzeroedEncoder,
  encodeRecord as encodeRecordInPlace,
  installEncoderAllocationFix,
  originalEncoderMethods,
  type RecordInput,
} from './kafkajs-encoder-allocations';
import { kafkajsRequire } from './kafkajs-internals';

const encodeRecord = kafkajsRequire('./src/protocol/recordBatch/record/v0') as (r: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}) => { buffer: Buffer };

const record = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 100_000 }),
  timestampDelta: fc.integer({ min: 0, max: 2 ** 40 }),
  key: fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a))),
  value: fc.option(fc.uint8Array({ maxLength: 2_000 }).map((a) => Buffer.from(a))),
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ maxLength: 80 }), {
    maxKeys: 14,
  }),
});

/** Records as the producer hands them over: string or Buffer header values, repeated headers as arrays. */
const richRecord = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 100_000 }),
  timestampDelta: fc.integer({ min: 0, max: 2 ** 40 }),
  key: fc.option(
    fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    ),
  ),
  value: fc.option(fc.uint8Array({ maxLength: 3_000 }).map((a) => Buffer.from(a))),
  headers: fc.dictionary(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    ),
    { maxKeys: 14 },
  ),
});

describe("kafkajs Encoder without intermediate allocations: the same bytes as kafkajs's own", () => {
  // Recorded with kafkajs's methods before the patch is installed (it is process-wide).
  const samples = fc.sample(record, { numRuns: 300, seed: 42 });
  const before = samples.map((r) => encodeRecord(r).buffer.toString('hex'));
  const richSamples: RecordInput[] = fc.sample(richRecord, { numRuns: 500, seed: 7 });
  const richBefore = richSamples.map((r) =>
    (encodeRecord as (x: RecordInput) => { buffer: Buffer })(r).buffer.toString('hex'),
  );

  beforeAll(() => {
    installEncoderAllocationFix();
  });

  it('writes unsigned varints byte for byte like kafkajs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        const ours = new KafkaEncoder().writeUVarInt(v).buffer;
        const theirs = originalEncoderMethods.writeUVarInt.call(new KafkaEncoder(), v).buffer;
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 5_000 },
    );
  });

  it('writes signed varints and varlongs byte for byte like kafkajs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        (i, l) => {
          expect(new KafkaEncoder().writeVarInt(i).buffer.toString('hex')).toBe(
            originalEncoderMethods.writeUVarInt
              .call(new KafkaEncoder(), KafkaEncoder.encodeZigZag(i))
              .buffer.toString('hex'),
          );
          expect(new KafkaEncoder().writeVarLong(l).buffer.toString('hex')).toBe(
            originalEncoderMethods.writeVarLong.call(new KafkaEncoder(), l).buffer.toString('hex'),
          );
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('encodes whole records with headers exactly as before the patch', () => {
    expect(samples.map((r) => encodeRecord(r).buffer.toString('hex'))).toEqual(before);
  });

  it("replaces kafkajs's record encoder with one that writes headers in place: the same bytes", () => {
    const installedRecordEncoder = kafkajsRequire('./src/protocol/recordBatch/record/v0') as unknown;
    expect(installedRecordEncoder).toBe(encodeRecordInPlace);
    expect(samples.map((r) => encodeRecordInPlace(r).buffer.toString('hex'))).toEqual(before);
    expect(richSamples.map((r) => encodeRecordInPlace(r).buffer.toString('hex'))).toEqual(richBefore);
  });

  it('grows from a small unzeroed buffer without losing bytes', () => {
    const e = new UnzeroedEncoder(1);
    const bytes = Buffer.from(Array.from({ length: 3_000 }, (_, i) => i % 251));
    e.writeVarIntBytes(bytes).writeUVarInt(300).writeVarIntString('trace');
    const reference = new KafkaEncoder(8_192);
    reference.writeVarIntBytes(bytes).writeUVarInt(300).writeVarIntString('trace');
    expect(e.buffer.equals(reference.buffer)).toBe(true);
  });
});
