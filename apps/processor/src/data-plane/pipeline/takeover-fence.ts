/** A consumed record's offset: all the fence needs to know about it. */
interface Offset {
  readonly offset: string;
}

/** What one batch's check found: the records to process, and whether it fenced (for the log). */
export interface FenceResult<R extends Offset> {
  readonly kept: readonly R[];
  /** Set on the first batch of a partition after each (re)assignment, with the committed offset read. */
  readonly fenced?: { readonly committed: bigint | null };
}

/**
 * Drops the records a previous owner of a partition has already emitted (docs/exactly-once.md,
 * "The zombie duplicate"). On the first batch after each (re)assignment it asks the adapter for the
 * group's committed offset (the adapter first settles the previous owner: fences its transactional id,
 * or waits for its pending commit); every record below that offset is skipped, in that batch and in
 * every later batch of the same assignment.
 *
 * Later batches matter: the consumer's fetch position follows what this member processed, not the
 * committed offset. A member frozen with a batch in hand (a zombie) that finds the new owner has
 * committed past the whole batch skips it, and kafkajs then fetches the very next offset, still below
 * the committed one: without this check those records were emitted a second time (chaos long, seed
 * 1031412511: offsets 1999–2016 of partition 0 published twice).
 */
export class TakeoverFence {
  /** Per partition: the assignment generation fenced, and the committed offset it read then. */
  private readonly fences = new Map<string, { generation: number; committed: bigint | null }>();

  constructor(
    private readonly generation: () => number,
    private readonly readCommitted: (topic: string, partition: number) => Promise<bigint | null>,
  ) {}

  async check<R extends Offset>(
    topic: string,
    partition: number,
    records: readonly R[],
  ): Promise<FenceResult<R>> {
    const key = `${topic}/${partition}`;
    const generation = this.generation();
    const known = this.fences.get(key);
    if (known !== undefined && known.generation === generation) {
      return { kept: below(records, known.committed) };
    }
    const committed = await this.readCommitted(topic, partition);
    this.fences.set(key, { generation, committed });
    return { kept: below(records, committed), fenced: { committed } };
  }
}

/** The records at or above `committed` (all of them when nothing was committed). */
function below<R extends Offset>(records: readonly R[], committed: bigint | null): readonly R[] {
  if (committed === null) return records;
  const first = records[0];
  // The common case, every batch after the first: nothing to drop, nothing to allocate.
  if (first === undefined || BigInt(first.offset) >= committed) return records;
  return records.filter((r) => BigInt(r.offset) >= committed);
}
