// kafkajs's protocol Encoder allocates far more than the bytes it writes: every `new Encoder()` starts
// with a zero-filled 512-byte Buffer.alloc, and kafkajs makes one per record and one per record header;
// every varint is written through a fresh `Buffer.from([...])`. An output record of ours carries about
// a dozen headers (the dedup headers and the trace context), so producing 10,000 records/s allocated
// about 70 MB/s of zeroed buffers: `FastBuffer` and the garbage collector were a third of the
// processor's CPU profile at saturation (docs/benchmarks.md).
//
// Headers cost twice over: kafkajs encodes each header into an Encoder of its own and then copies it
// into the record's (record/v0: 8 % of the processor's CPU at saturation in the 2026-12-02 profile).
//
// This module replaces four Encoder methods with ones that write the same bytes with no intermediate
// buffers: the constructor and growth take unzeroed memory (Buffer.allocUnsafe: small sizes come from
// Node's shared pool; the Encoder only ever exposes bytes it has written), and varints are written in
// place. The wire format is unchanged, which the unit tests check byte for byte against kafkajs's own
// methods on random values; and the record encoder with one that sizes the record's Encoder once and
// writes the headers straight into it (the same bytes, tested against kafkajs's on random records).
// Like stable-offset-fetch.ts it reaches into kafkajs internals, confined
// here, and `installEncoderAllocationFix` fails loudly if they change.

import { kafkajsRequire } from './kafkajs-internals';

interface LongLike {
  and(other: LongLike | number | bigint): LongLike;
  or(other: LongLike | number): LongLike;
  notEquals(other: LongLike | number): boolean;
  shiftRightUnsigned(bits: number): LongLike;
  toInt(): number;
}

interface EncoderInstance {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): EncoderInstance;
  writeVarInt(value: number): EncoderInstance;
  writeVarLong(value: number | LongLike): EncoderInstance;
  writeVarIntString(value: string | null): EncoderInstance;
  writeVarIntBytes(value: Buffer | string | null): EncoderInstance;
  writeInt32(value: number): EncoderInstance;
  writeInt8(value: number): EncoderInstance;
}

export interface EncoderClass {
  new (initialSize?: number): EncoderInstance;
  nextPowerOfTwo(value: number): number;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: number | LongLike): number;
  sizeOfVarIntBytes(value: Buffer | string | null): number;
  encodeZigZag(value: number): number;
  encodeZigZag64(value: number | LongLike): LongLike;
  prototype: EncoderInstance;
}

/** kafkajs's protocol Encoder class (internal). */
export const KafkaEncoder = kafkajsRequire('./src/protocol/encoder') as EncoderClass;
const Long = kafkajsRequire('./src/utils/long') as { fromInt(value: number): LongLike };

type ProtoMethod = (this: EncoderInstance, ...args: never[]) => unknown;
const prototypeMethods = KafkaEncoder.prototype as unknown as Record<string, ProtoMethod | undefined>;
const kept = (name: string): ProtoMethod => {
  const method = prototypeMethods[name];
  if (method === undefined) {
    throw new Error(
      `kafkajs internals changed: Encoder.${name} is missing (see kafkajs-encoder-allocations.ts)`,
    );
  }
  return method;
};

/** kafkajs's own implementations, kept for the byte-for-byte tests. */
export const originalEncoderMethods = {
  writeUVarInt: kept('writeUVarInt') as (this: EncoderInstance, value: number) => EncoderInstance,
  writeVarLong: kept('writeVarLong') as (this: EncoderInstance, value: number | LongLike) => EncoderInstance,
};

const MOST_SIGNIFICANT_BIT = 0x80;
const OTHER_BITS = 0x7f;
const UNSIGNED_INT32_MAX_NUMBER = 0xffffff80;
const LONG_ZERO = Long.fromInt(0);
const UNSIGNED_INT64_MAX_NUMBER = 0xffffffffffffff80n;

function ensureAvailable(this: EncoderInstance, length: number): void {
  if (this.offset + length > this.buf.length) {
    const grown = Buffer.allocUnsafe(KafkaEncoder.nextPowerOfTwo(this.offset + length));
    this.buf.copy(grown, 0, 0, this.offset);
    this.buf = grown;
  }
}

function writeUVarInt(this: EncoderInstance, value: number): EncoderInstance {
  this.ensureAvailable(5);
  let v = value;
  while ((v & UNSIGNED_INT32_MAX_NUMBER) !== 0) {
    this.buf[this.offset++] = (v & OTHER_BITS) | MOST_SIGNIFICANT_BIT;
    v >>>= 7;
  }
  this.buf[this.offset++] = v & OTHER_BITS;
  return this;
}

function writeVarLong(this: EncoderInstance, value: number | LongLike): EncoderInstance {
  this.ensureAvailable(10);
  let v = KafkaEncoder.encodeZigZag64(value);
  while (v.and(UNSIGNED_INT64_MAX_NUMBER).notEquals(LONG_ZERO)) {
    this.buf[this.offset++] = v.and(OTHER_BITS).or(MOST_SIGNIFICANT_BIT).toInt();
    v = v.shiftRightUnsigned(7);
  }
  this.buf[this.offset++] = v.toInt();
  return this;
}

type HeaderValue = Buffer | string;

/** What kafkajs's record/v0 encoder takes (kafkajs's own module documents the same fields). */
export interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number | LongLike;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue | HeaderValue[]>;
}

const RECORD_MODULE = './src/protocol/recordBatch/record/v0';

/**
 * kafkajs's record/v0 encoder, writing the same bytes into one Encoder sized for the record: the
 * headers go straight into it instead of through an Encoder each, then a copy.
 */
export function encodeRecord({
  offsetDelta = 0,
  timestampDelta = 0,
  key,
  value,
  headers = {},
}: RecordInput): EncoderInstance {
  const names: string[] = [];
  const values: HeaderValue[] = [];
  for (const name of Object.keys(headers)) {
    const v = headers[name];
    if (Array.isArray(v)) {
      for (const each of v) {
        names.push(name);
        values.push(each);
      }
    } else if (v !== undefined) {
      names.push(name);
      values.push(v);
    }
  }
  let headerBytes = KafkaEncoder.sizeOfVarInt(names.length);
  for (let i = 0; i < names.length; i++) {
    const keySize = Buffer.byteLength(names[i] ?? '');
    const valueSize = Buffer.byteLength(values[i] ?? '');
    headerBytes +=
      KafkaEncoder.sizeOfVarInt(keySize) + keySize + KafkaEncoder.sizeOfVarInt(valueSize) + valueSize;
  }
  const sizeOfBody =
    1 + // attributes
    KafkaEncoder.sizeOfVarLong(timestampDelta) +
    KafkaEncoder.sizeOfVarInt(offsetDelta) +
    KafkaEncoder.sizeOfVarIntBytes(key) +
    KafkaEncoder.sizeOfVarIntBytes(value) +
    headerBytes;
  const encoder = new UnzeroedEncoder(sizeOfBody + 5)
    .writeVarInt(sizeOfBody)
    .writeInt8(0) // no record attributes are used
    .writeVarLong(timestampDelta)
    .writeVarInt(offsetDelta)
    .writeVarIntBytes(key)
    .writeVarIntBytes(value)
    .writeVarInt(names.length);
  for (let i = 0; i < names.length; i++) {
    encoder.writeVarIntString(names[i] ?? '').writeVarIntBytes(values[i] ?? '');
  }
  return encoder;
}

let installed = false;

/**
 * Patches kafkajs's Encoder process-wide (idempotent). The varint and growth methods are patched on
 * the prototype, which works whenever this runs. The zero-filled first buffer is replaced by handing
 * kafkajs a subclass whose constructor takes unzeroed memory: that only works if this runs before
 * kafkajs's own modules have loaded the Encoder (they keep the class they were given), so the
 * processor calls it first thing (main.ts); returns whether the constructor was replaced.
 */
export function installEncoderAllocationFix(): boolean {
  if (installed) return constructorReplaced;
  const proto = prototypeMethods as Record<string, unknown>;
  kept('writeVarInt'); // calls writeUVarInt: patched with it
  proto['ensureAvailable'] = ensureAvailable;
  proto['writeUVarInt'] = writeUVarInt;
  proto['writeVarLong'] = writeVarLong;
  const encoderModule = require.cache[kafkajsRequire.resolve('./src/protocol/encoder')];
  const kafkajsLoaded = require.cache[require.resolve('kafkajs')] !== undefined;
  if (encoderModule !== undefined && encoderModule.exports === KafkaEncoder && !kafkajsLoaded) {
    encoderModule.exports = UnzeroedEncoder;
    // The produce request captures the record encoder when it loads: replace it before that.
    const recordPath = kafkajsRequire.resolve(RECORD_MODULE);
    kafkajsRequire(RECORD_MODULE);
    const recordModule = require.cache[recordPath];
    if (recordModule === undefined)
      throw new Error(`kafkajs internals changed: ${RECORD_MODULE} did not load`);
    recordModule.exports = encodeRecord;
    constructorReplaced = true;
  }
  installed = true;
  return constructorReplaced;
}

let constructorReplaced = false;

/** kafkajs's Encoder, with an unzeroed first buffer (the methods it inherits are patched above). */
export class UnzeroedEncoder extends (KafkaEncoder as unknown as new (
  initialSize?: number,
) => EncoderInstance) {
  constructor(initialSize = 511) {
    super(0);
    this.buf = Buffer.allocUnsafe(KafkaEncoder.nextPowerOfTwo(initialSize));
  }
}
