// How far each output partition's last stable offset (LSO) trails its end. A read_committed reader
// sees a partition only up to its LSO: the first offset of the oldest transaction still open there.
// A transaction left open (a stuck or zombie producer, a slow commit) holds every downstream
// read_committed consumer back, even while the end offset moves on.
//
// ListOffsets "latest" answers the LSO when asked with isolation read_committed and the end offset
// (high watermark) with read_uncommitted. kafkajs asks with the isolation level of the client it
// builds: its admin and its consumers (read_committed by default) always get the LSO, and it has no
// read_uncommitted admin. So this module asks for a kafkajs Cluster of its own through the Kafka
// client's private factory (the one its admin, producers and consumers use: same brokers, retry,
// logger and socket factory) and sends ListOffsets to each partition leader with both isolation
// levels. Like the other kafkajs internals (ADR 0006) it is confined to this file, and
// `LastStableOffsetReader` fails loudly at construction if the factory is gone.

import type { Kafka } from 'kafkajs';

/** ListOffsets isolation levels (kafkajs src/protocol/isolationLevel.js). */
const READ_UNCOMMITTED = 0;
const READ_COMMITTED = 1;
/** ListOffsets timestamp -1: the latest offset (end or LSO, by isolation level). */
const LATEST = -1;
/** The description of kafkajs's private Symbol for its cluster factory (src/index.js). */
const CREATE_CLUSTER = 'private:Kafka:createCluster';

/** ListOffsets' answer as kafkajs's Broker returns it (v1+: one offset per partition, a string). */
export interface ListOffsetsTopic {
  readonly topic: string;
  readonly partitions: readonly { readonly partition: number; readonly offset: string }[];
}

interface KafkajsBroker {
  listOffsets(request: {
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; timestamp: number }[] }[];
  }): Promise<{ responses: ListOffsetsTopic[] }>;
}

/** The public methods of kafkajs's Cluster (src/cluster/index.js) this module calls. */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<KafkajsBroker>;
}

type CreateCluster = (options: { allowAutoTopicCreation: boolean }) => KafkajsCluster;

/** An output partition's end offset and last stable offset, read one right after the other. */
export interface PartitionStableOffsets {
  readonly topic: string;
  readonly partition: number;
  readonly endOffset: bigint;
  readonly lastStableOffset: bigint;
}

/**
 * Pairs a leader's two ListOffsets answers by topic and partition. The end offsets are read first:
 * the LSO, read after them, can only be as far or further on, so a lag computed from the pair errs
 * low (a transaction that committed in between is not reported open); it is clamped at 0.
 */
export function pairOffsets(
  end: readonly ListOffsetsTopic[],
  stable: readonly ListOffsetsTopic[],
): PartitionStableOffsets[] {
  const stableOf = new Map<string, string>();
  for (const t of stable) for (const p of t.partitions) stableOf.set(`${t.topic}/${p.partition}`, p.offset);
  const out: PartitionStableOffsets[] = [];
  for (const t of end) {
    for (const p of t.partitions) {
      const lso = stableOf.get(`${t.topic}/${p.partition}`);
      if (lso === undefined) continue;
      out.push({
        topic: t.topic,
        partition: p.partition,
        endOffset: BigInt(p.offset),
        lastStableOffset: BigInt(lso),
      });
    }
  }
  return out;
}

/** Records a read_committed reader cannot see yet: end offset minus LSO, never below 0. */
export function stableOffsetLag(o: Pick<PartitionStableOffsets, 'endOffset' | 'lastStableOffset'>): number {
  const lag = o.endOffset - o.lastStableOffset;
  return lag > 0n ? Number(lag) : 0;
}

/**
 * Reads end offsets and LSOs of whole topics. One connection per broker of its own, opened on the
 * first read; any failure (a leader that moved, a broken connection) closes it, and the next read
 * starts over with fresh metadata.
 */
export class LastStableOffsetReader {
  private readonly createCluster: CreateCluster;
  private cluster: Promise<KafkajsCluster> | undefined;

  constructor(kafka: Kafka) {
    const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
    const create = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
    if (typeof create !== 'function') {
      throw new Error(
        'kafkajs internals changed: the Kafka client has no cluster factory (see last-stable-offsets.ts)',
      );
    }
    this.createCluster = create as CreateCluster;
  }

  async read(topics: readonly string[]): Promise<PartitionStableOffsets[]> {
    try {
      const cluster = await this.connected();
      await cluster.addMultipleTargetTopics([...topics]);
      await cluster.refreshMetadataIfNecessary();
      const byLeader = new Map<string, { topic: string; partitions: number[] }[]>();
      for (const topic of new Set(topics)) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        for (const [nodeId, led] of Object.entries(cluster.findLeaderForPartitions(topic, partitions))) {
          const list = byLeader.get(nodeId) ?? [];
          list.push({ topic, partitions: led });
          byLeader.set(nodeId, list);
        }
      }
      const out: PartitionStableOffsets[] = [];
      for (const [nodeId, list] of byLeader) {
        const broker = await cluster.findBroker({ nodeId });
        const request = list.map(({ topic, partitions }) => ({
          topic,
          partitions: partitions.map((partition) => ({ partition, timestamp: LATEST })),
        }));
        // In this order: see pairOffsets.
        const end = await broker.listOffsets({ isolationLevel: READ_UNCOMMITTED, topics: request });
        const stable = await broker.listOffsets({ isolationLevel: READ_COMMITTED, topics: request });
        out.push(...pairOffsets(end.responses, stable.responses));
      }
      return out.sort((a, b) =>
        a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
      );
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    if (cluster === undefined) return;
    try {
      await (await cluster).disconnect();
    } catch {
      // A cluster that never connected has nothing to release.
    }
  }

  private connected(): Promise<KafkajsCluster> {
    if (this.cluster === undefined) {
      const cluster = this.createCluster({ allowAutoTopicCreation: false });
      this.cluster = cluster.connect().then(() => cluster);
    }
    return this.cluster;
  }
}
