import { createHash } from 'node:crypto';

/**
 * A blocked Bloom filter (Putze, Sanders, Singler: "Cache-, hash- and space-efficient Bloom filters",
 * 2007): the key's hash picks one 512-bit block, and all of the key's bits are set in that block. A
 * lookup therefore touches one block, which is what lets the approximate mode store a filter as rows
 * in Postgres and lock exactly the rows a batch needs (docs/adr/0005). The price is a slightly higher
 * false-positive rate than a classic filter of the same size (blocks fill unevenly), which the sizing
 * below accounts for exactly instead of with the classic formula.
 */

/** Bits per block: 512 bits = 64 bytes, one cache line. */
export const BLOOM_BLOCK_BITS = 512;
export const BLOOM_BLOCK_BYTES = BLOOM_BLOCK_BITS / 8;

/**
 * Bit positions come from 9-bit slices of one SHA-512 digest after the 64 bits that choose the block:
 * (512 - 64) / 9 = 49 independent positions. Sizing never needs more (k = 49 would be a false-positive
 * rate far below the lowest one the config accepts).
 */
export const BLOOM_MAX_HASHES = 49;
const POSITION_BITS = 9;

/** The most blocks one filter may have (2^22 blocks = 256 MiB); bounds the arithmetic below too. */
export const BLOOM_MAX_BLOCKS = 2 ** 22;

/** Where a key lives in a filter: its block and its bit positions inside the block (0..511). */
export interface BloomProbe {
  readonly block: number;
  readonly positions: readonly number[];
}

export interface BloomSizing {
  /** Blocks of the filter (each `BLOOM_BLOCK_BYTES`). */
  readonly blocks: number;
  /** Bits set per key (the classic `k`). */
  readonly hashes: number;
  /** The false-positive rate the filter has once it holds the keys it was sized for (at most the target). */
  readonly falsePositiveRate: number;
}

/**
 * The false-positive rate of a blocked filter whose blocks hold on average `keysPerBlock` keys:
 * block loads are Poisson distributed, and a block holding `i` keys answers a foreign key "present"
 * with the classic probability `(1 - (1 - 1/B)^(i k))^k` (B bits, k positions drawn with replacement,
 * which is what independent hash slices are).
 */
export function blockedFalsePositiveRate(keysPerBlock: number, hashes: number): number {
  if (!(keysPerBlock >= 0) || !Number.isInteger(hashes) || hashes < 1) {
    throw new Error(`blockedFalsePositiveRate: bad arguments ${keysPerBlock}, ${hashes}`);
  }
  if (keysPerBlock === 0) return 0;
  // Beyond ~600 keys per 512-bit block every bit is set; e^-600 is also near the double's range.
  if (keysPerBlock > 600) return 1;
  const missOne = 1 - 1 / BLOOM_BLOCK_BITS;
  const last = Math.ceil(keysPerBlock + 12 * Math.sqrt(keysPerBlock) + 30);
  let poisson = Math.exp(-keysPerBlock); // P(load = 0)
  let rate = 0;
  for (let i = 1; i <= last; i += 1) {
    poisson *= keysPerBlock / i;
    rate += poisson * (1 - missOne ** (i * hashes)) ** hashes;
  }
  return Math.min(1, rate);
}

/** The best `k` for a load, and the rate it gives. */
function bestHashes(keysPerBlock: number): { hashes: number; rate: number } {
  let best = { hashes: 1, rate: blockedFalsePositiveRate(keysPerBlock, 1) };
  for (let k = 2; k <= BLOOM_MAX_HASHES; k += 1) {
    const rate = blockedFalsePositiveRate(keysPerBlock, k);
    if (rate >= best.rate) break; // unimodal in k: past the optimum it only gets worse
    best = { hashes: k, rate };
  }
  return best;
}

/**
 * The smallest filter (in whole blocks) whose false-positive rate is at most `falsePositiveRate`
 * once it holds `expectedKeys` keys, and the number of hashes that achieves it. Throws when that
 * would take more than `BLOOM_MAX_BLOCKS` blocks.
 */
export function sizeBloomFilter(expectedKeys: number, falsePositiveRate: number): BloomSizing {
  if (!(expectedKeys >= 1) || !Number.isFinite(expectedKeys)) {
    throw new Error(`sizeBloomFilter: expectedKeys must be at least 1, got ${expectedKeys}`);
  }
  if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) {
    throw new Error(`sizeBloomFilter: falsePositiveRate must be in (0, 1), got ${falsePositiveRate}`);
  }
  const fits = (blocks: number) => bestHashes(expectedKeys / blocks).rate <= falsePositiveRate;
  if (!fits(BLOOM_MAX_BLOCKS)) {
    throw new Error(
      `a Bloom filter for ${Math.round(expectedKeys)} keys at a false-positive rate of ` +
        `${falsePositiveRate} needs more than ${BLOOM_MAX_BLOCKS} blocks ` +
        `(${(BLOOM_MAX_BLOCKS * BLOOM_BLOCK_BYTES) / 2 ** 20} MiB)`,
    );
  }
  // The rate falls as blocks are added (at the best k for each size): binary search the smallest fit.
  let low = 1;
  let high = BLOOM_MAX_BLOCKS;
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) high = mid;
    else low = mid + 1;
  }
  const { hashes, rate } = bestHashes(expectedKeys / low);
  return { blocks: low, hashes, falsePositiveRate: rate };
}

/** Hashes a key once: SHA-512 of its UTF-8 bytes; 64 bits choose the block, 9-bit slices the bits. */
export function bloomProbe(key: string, blocks: number, hashes: number): BloomProbe {
  if (!Number.isInteger(blocks) || blocks < 1 || blocks > BLOOM_MAX_BLOCKS) {
    throw new Error(`bloomProbe: blocks must be an integer in [1, ${BLOOM_MAX_BLOCKS}], got ${blocks}`);
  }
  if (!Number.isInteger(hashes) || hashes < 1 || hashes > BLOOM_MAX_HASHES) {
    throw new Error(`bloomProbe: hashes must be an integer in [1, ${BLOOM_MAX_HASHES}], got ${hashes}`);
  }
  const digest = createHash('sha512').update(key, 'utf8').digest();
  // (hi * 2^32 + lo) mod blocks, without leaving exact double arithmetic: every product < 2^44.
  const hi = digest.readUInt32BE(0) % blocks;
  const lo = digest.readUInt32BE(4) % blocks;
  const block = (((hi * (2 ** 32 % blocks)) % blocks) + lo) % blocks;
  const positions: number[] = [];
  for (let i = 0; i < hashes; i += 1) {
    const bit = 64 + i * POSITION_BITS;
    const byte = bit >> 3;
    const word = ((digest[byte] ?? 0) << 8) | (digest[byte + 1] ?? 0);
    positions.push((word >> (16 - (bit & 7) - POSITION_BITS)) & (BLOOM_BLOCK_BITS - 1));
  }
  return { block, positions };
}

/** True when every bit of the probe is set in the block starting at byte `offset` of `bits`. */
export function blockHas(bits: Uint8Array, offset: number, probe: BloomProbe): boolean {
  for (const p of probe.positions) {
    if (((bits[offset + (p >> 3)] ?? 0) & (1 << (p & 7))) === 0) return false;
  }
  return true;
}

/** Sets the probe's bits in the block starting at byte `offset`; returns whether any bit was new. */
export function blockAdd(bits: Uint8Array, offset: number, probe: BloomProbe): boolean {
  let changed = false;
  for (const p of probe.positions) {
    const index = offset + (p >> 3);
    const mask = 1 << (p & 7);
    const byte = bits[index] ?? 0;
    if ((byte & mask) === 0) {
      bits[index] = byte | mask;
      changed = true;
    }
  }
  return changed;
}

/** Set bits of the block starting at byte `offset`. */
export function blockPopCount(bits: Uint8Array, offset: number): number {
  let count = 0;
  for (let i = offset; i < offset + BLOOM_BLOCK_BYTES; i += 1) {
    let b = bits[i] ?? 0;
    while (b !== 0) {
      b &= b - 1;
      count += 1;
    }
  }
  return count;
}

/**
 * The false-positive rate a filter has *now*, estimated from the bits actually set rather than from
 * the number of keys it was sized for: a foreign key falls in a uniformly random block and is
 * reported present when its k bits are all set there, about `(set / 512)^k`. Pass the set-bit count
 * of every block that has any (the others contribute 0) and the filter's total block count.
 */
export function estimatedFalsePositiveRate(
  setBitsPerBlock: Iterable<number>,
  blocks: number,
  hashes: number,
): number {
  let sum = 0;
  for (const set of setBitsPerBlock) sum += (set / BLOOM_BLOCK_BITS) ** hashes;
  return blocks === 0 ? 0 : sum / blocks;
}

/**
 * An in-memory blocked Bloom filter: the same layout and hashing the approximate mode keeps in
 * Postgres, for tests, benchmarks and anything that wants one filter in a process.
 */
export class BlockedBloomFilter {
  readonly bits: Uint8Array;

  constructor(readonly sizing: Pick<BloomSizing, 'blocks' | 'hashes'>) {
    this.bits = new Uint8Array(sizing.blocks * BLOOM_BLOCK_BYTES);
  }

  static forCapacity(expectedKeys: number, falsePositiveRate: number): BlockedBloomFilter {
    return new BlockedBloomFilter(sizeBloomFilter(expectedKeys, falsePositiveRate));
  }

  probe(key: string): BloomProbe {
    return bloomProbe(key, this.sizing.blocks, this.sizing.hashes);
  }

  /** Adds a key; returns false when every one of its bits was set already ("maybe present"). */
  add(key: string): boolean {
    const probe = this.probe(key);
    return blockAdd(this.bits, probe.block * BLOOM_BLOCK_BYTES, probe);
  }

  /** False: the key was never added. True: it probably was (or is a false positive). */
  mightContain(key: string): boolean {
    const probe = this.probe(key);
    return blockHas(this.bits, probe.block * BLOOM_BLOCK_BYTES, probe);
  }

  /** Fraction of all bits that are set. */
  fillRatio(): number {
    let set = 0;
    for (let b = 0; b < this.sizing.blocks; b += 1) set += blockPopCount(this.bits, b * BLOOM_BLOCK_BYTES);
    return set / (this.sizing.blocks * BLOOM_BLOCK_BITS);
  }

  estimatedFalsePositiveRate(): number {
    const perBlock: number[] = [];
    for (let b = 0; b < this.sizing.blocks; b += 1)
      perBlock.push(blockPopCount(this.bits, b * BLOOM_BLOCK_BYTES));
    return estimatedFalsePositiveRate(perBlock, this.sizing.blocks, this.sizing.hashes);
  }
}
