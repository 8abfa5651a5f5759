import { Kafka, logLevel } from 'kafkajs';
import { UNSTABLE_OFFSET_COMMIT, installStableOffsetFetch } from '@dedup/processor/stable-offset-fetch';

export interface OffsetVisibility {
  readonly rounds: number;
  /** Rounds whose committed offset was not yet visible right after the fencing InitProducerId. */
  readonly stale: number;
  readonly examples: readonly string[];
  /** Whether the reads asked for stable offsets (OffsetFetch v7, require_stable). */
  readonly stable: boolean;
  /** UNSTABLE_OFFSET_COMMIT answers the stable reads waited through. */
  readonly unstableAnswers: number;
}

/**
 * A probe of the broker, for docs/exactly-once.md: is a transaction's committed consumer offset
 * visible to OffsetFetch (as kafkajs sends it, without `require_stable`) as soon as another producer
 * with the same transactional id has been initialised, which the broker only allows once that
 * transaction has completed? That is what `KafkaAdapter.fenceAndReadCommitted` relied on until ADR 0017
 * (fencing by consumer group generation since; the stable read it led to is `readCommittedOffset`).
 *
 * Each round: producer A commits a transaction with an offset for group `probe`; while its commit is
 * in flight, producer B registers the same transactional id (InitProducerId waits with
 * CONCURRENT_TRANSACTIONS until A's transaction is complete), then the offset is read at once and
 * again 300 ms later. A round counts as stale when A's commit succeeded and the two reads differ.
 */
export async function probeOffsetVisibility(
  brokers: string,
  options: { rounds?: number; stable?: boolean } = {},
): Promise<OffsetVisibility> {
  const rounds = options.rounds ?? 60;
  const stable = options.stable ?? false;
  // Process-wide and irreversible: a caller probes without it first.
  if (stable) installStableOffsetFetch();
  let unstableAnswers = 0;
  const group = stable ? 'probe-stable' : 'probe';
  const kafka = new Kafka({ clientId: 'chaos-probe', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const examples: string[] = [];
  let stale = 0;
  try {
    const existing = new Set(await admin.listTopics());
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'probe.in', numPartitions: 1 },
        { topic: 'probe.out', numPartitions: 1 },
      ].filter((t) => !existing.has(t.topic)),
    });
    const readOffset = async (): Promise<number> => {
      for (;;) {
        try {
          const topics = await admin.fetchOffsets({ groupId: group, topics: ['probe.in'] });
          return Number(topics[0]?.partitions[0]?.offset ?? -1);
        } catch (error) {
          if ((error as { type?: string }).type !== UNSTABLE_OFFSET_COMMIT) throw error;
          unstableAnswers++;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    };
    for (let i = 1; i <= rounds; i++) {
      const a = kafka.producer({ transactionalId: 'probe', idempotent: true, maxInFlightRequests: 1 });
      const b = kafka.producer({ transactionalId: 'probe', idempotent: true, maxInFlightRequests: 1 });
      await a.connect();
      const txn = await a.transaction();
      await txn.send({ topic: 'probe.out', messages: [{ value: String(i) }] });
      await txn.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic: 'probe.in', partitions: [{ partition: 0, offset: String(i * 10) }] }],
      });
      const committing = txn.commit().then(
        () => true,
        () => false,
      );
      await new Promise((r) => setTimeout(r, i % 4));
      // Fences A; returns once A's transaction is complete. kafkajs's connect() alone does not: it
      // registers the transactional id lazily, on the first transaction().
      await b.connect();
      await (await b.transaction()).abort();
      const atOnce = await readOffset();
      const committed = await committing;
      await new Promise((r) => setTimeout(r, 300));
      const later = await readOffset();
      if (committed && atOnce !== later) {
        stale++;
        examples.push(`round ${i}: read ${atOnce} right after the fence, ${later} 300 ms later`);
      }
      await a.disconnect().catch(() => undefined);
      await b.disconnect();
    }
  } finally {
    await admin.disconnect();
  }
  return { rounds, stale, examples, stable, unstableAnswers };
}
