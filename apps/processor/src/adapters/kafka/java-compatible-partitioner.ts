import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/*
 * kafkajs's DefaultPartitioner (the Java client's: murmur2 of the key, made positive, modulo the
 * partition count) computes murmur2 with a 64-bit Long object per four bytes of key, and filters the
 * partition metadata for every message: 6 % of the processor's CPU at saturation, for the key of
 * every output record (docs/benchmarks.md). This is the same function on 32-bit integers
 * (Math.imul), so every key lands on the partition kafkajs and the Java client choose; the spec
 * checks that against kafkajs's own murmur2 on random keys.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (Utils.murmur2 in the Java client) of `data`, as a signed 32-bit integer. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length & ~3;
  for (let i = 0; i < length4; i += 4) {
    let k =
      (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The Java switch falls through from 3 to 1: the 1 to 3 trailing bytes, then one multiply.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= (data[length4 + 2] ?? 0) << 16;
    if (tail >= 2) h ^= (data[length4 + 1] ?? 0) << 8;
    h ^= data[length4] ?? 0;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** A reusable buffer for ASCII keys, so hashing an event id allocates nothing. */
let scratch = new Uint8Array(256);

/** murmur2 of a key as kafkajs sees it: a Buffer as is, anything else as the UTF-8 of String(key). */
export function murmur2OfKey(key: Buffer | string): number {
  if (typeof key !== 'string') return murmur2(key);
  const n = key.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return murmur2(Buffer.from(key));
    scratch[i] = c;
  }
  return murmur2(scratch.subarray(0, n));
}

/**
 * kafkajs's DefaultPartitioner for keyed messages, with the fast murmur2; messages with an explicit
 * partition or without a key go to kafkajs's own (round robin over available partitions).
 */
export const JavaCompatiblePartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    // kafkajs accepts null for "no partition" too (its own check is `!= null`).
    const explicit = (message.partition as number | null | undefined) ?? null;
    if (explicit === null && message.key !== null && message.key !== undefined) {
      return (murmur2OfKey(message.key) & 0x7fffffff) % partitionMetadata.length;
    }
    return fallback(args);
  };
};
