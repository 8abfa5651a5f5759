/**
 * Gathers the batches of a kafkajs round so that they share one Postgres transaction (docs/adr/0019).
 * A batch joins with its partition; a round starts once every batch still expected has joined (the
 * owner says how many are in flight and not yet past this stage), or `waitMs` after the first one
 * did. A round takes one topic's batches (another topic's start a round of their own), one per
 * partition. Rounds may run side by side (their transactions take the partitions' locks in one
 * order). If a round fails, every batch in it gets the error.
 */
export class RoundGather<I extends { readonly topic: string; readonly partition: number }, R> {
  private queue: Entry<I, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The partitions (topic\0partition) of the rounds running now. */
  private readonly running = new Set<string>();
  /** Batches in the rounds running now. */
  private inRounds = 0;

  constructor(
    /**
     * Batches in flight that have not passed this stage: the queued ones, those in running rounds,
     * and those yet to join. The round waits for the last kind only.
     */
    private readonly notPast: () => number,
    private readonly waitMs: number,
    private readonly run: (items: readonly I[]) => Promise<readonly R[]>,
    /**
     * A round's transaction takes batches until their records would exceed this; the rest take
     * transactions of their own, side by side (large batches gain little from sharing one).
     */
    private readonly maxRecords: number = Infinity,
    private readonly sizeOf: (item: I) => number = () => 1,
  ) {}

  /** Joins the next round; resolves with this item's result, or rejects with the round's error. */
  async join(item: I): Promise<R> {
    const settled = await new Promise<Settled<R>>((settle) => {
      this.queue.push({ item, settle });
      this.check();
    });
    if (settled.ok) return settled.value;
    throw settled.error;
  }

  /** Starts a round if nothing more is expected (call when a batch in flight finishes or moves on). */
  check(): void {
    if (this.queue.length === 0) return;
    if (this.queue.length < this.notPast() - this.inRounds && this.waitMs > 0) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, this.waitMs);
      return;
    }
    this.start();
  }

  private start(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const rounds = new Map<string, Entry<I, R>[]>();
    const rest: Entry<I, R>[] = [];
    for (const entry of this.queue) {
      const key = `${entry.item.topic}\u0000${entry.item.partition}`;
      // A partition's next batch waits for the round its previous one is in (it cannot be decided
      // before it); kafkajs gives a partition one batch at a time, so this is a safety net.
      if (this.running.has(key)) {
        rest.push(entry);
        continue;
      }
      this.running.add(key);
      const round = rounds.get(entry.item.topic);
      if (round === undefined) rounds.set(entry.item.topic, [entry]);
      else round.push(entry);
    }
    this.queue = rest;
    for (const topicRound of rounds.values()) {
      for (const round of this.split(topicRound)) {
        this.inRounds += round.length;
        void this.runRound(round).finally(() => {
          this.inRounds -= round.length;
          for (const e of round) this.running.delete(`${e.item.topic}\u0000${e.item.partition}`);
          this.check();
        });
      }
    }
  }

  /** Consecutive batches, up to maxRecords a transaction (a larger batch alone). */
  private split(entries: readonly Entry<I, R>[]): Entry<I, R>[][] {
    const out: Entry<I, R>[][] = [];
    let current: Entry<I, R>[] = [];
    let size = 0;
    for (const entry of entries) {
      const n = this.sizeOf(entry.item);
      if (current.length > 0 && size + n > this.maxRecords) {
        out.push(current);
        current = [];
        size = 0;
      }
      current.push(entry);
      size += n;
    }
    if (current.length > 0) out.push(current);
    return out;
  }

  private async runRound(round: readonly Entry<I, R>[]): Promise<void> {
    try {
      const results = await this.run(round.map((e) => e.item));
      round.forEach((entry, i) => {
        const value = results[i];
        entry.settle(
          value === undefined
            ? { ok: false, error: new Error(`the round returned no result for item ${i}`) }
            : { ok: true, value },
        );
      });
    } catch (error) {
      for (const entry of round) entry.settle({ ok: false, error });
    }
  }
}

interface Entry<I, R> {
  readonly item: I;
  readonly settle: (result: Settled<R>) => void;
}

type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };
