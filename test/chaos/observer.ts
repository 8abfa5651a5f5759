import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import { Pool } from 'pg';

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  readonly partitions: readonly number[];
}

export interface GroupView {
  readonly state: string;
  readonly members: readonly GroupMember[];
}

export interface PartitionLag {
  readonly partition: number;
  /** The group's committed offset (next to read), or null. */
  readonly committed: bigint | null;
  /** The end of the partition (high watermark). */
  readonly end: bigint;
}

/**
 * The harness's view of the system from outside: the consumer group (kafkajs admin) and the
 * pipeline's progress rows (Postgres). Every call may fail while the broker or Postgres is down;
 * callers treat a failure as "unknown". The admin client is recreated after a failure.
 */
export class Observer {
  private admin: Admin | undefined;
  readonly pool: Pool;

  constructor(
    private readonly brokers: string,
    private readonly groupId: string,
    private readonly inputTopic: string,
    private readonly pipeline: string,
    databaseUrl: string,
  ) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 3, connectionTimeoutMillis: 3_000 });
    // An idle client whose server went away (a Postgres restart) must not crash the harness.
    this.pool.on('error', () => undefined);
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.admin === undefined) {
      const admin = new Kafka({
        clientId: 'chaos-observer',
        brokers: [this.brokers],
        logLevel: logLevel.NOTHING,
        retry: { retries: 1, initialRetryTime: 100 },
        connectionTimeout: 2_000,
        requestTimeout: 5_000,
      }).admin();
      await admin.connect();
      this.admin = admin;
    }
    try {
      return await work(this.admin);
    } catch (error) {
      const admin = this.admin;
      this.admin = undefined;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async group(): Promise<GroupView> {
    return this.withAdmin(async (admin) => {
      const { groups } = await admin.describeGroups([this.groupId]);
      const group = groups[0];
      if (group === undefined) return { state: 'Unknown', members: [] };
      return {
        state: group.state,
        members: group.members.map((m) => {
          let partitions: number[] = [];
          if (m.memberAssignment.length > 0) {
            const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
            partitions = decoded?.assignment[this.inputTopic] ?? [];
          }
          return { memberId: m.memberId, clientId: m.clientId, partitions };
        }),
      };
    });
  }

  async lag(): Promise<PartitionLag[]> {
    return this.withAdmin(async (admin) => {
      const [committed, ends] = await Promise.all([
        admin.fetchOffsets({ groupId: this.groupId, topics: [this.inputTopic] }),
        admin.fetchTopicOffsets(this.inputTopic),
      ]);
      const byPartition = new Map(
        (committed[0]?.partitions ?? []).map((p) => [
          p.partition,
          p.offset === '-1' ? null : BigInt(p.offset),
        ]),
      );
      return ends
        .map((e) => ({
          partition: e.partition,
          committed: byPartition.get(e.partition) ?? null,
          end: BigInt(e.high),
        }))
        .sort((a, b) => a.partition - b.partition);
    });
  }

  /** The group's committed offsets (next offset to read) of the input partitions. */
  async committed(): Promise<Map<number, bigint | null>> {
    return this.withAdmin(async (admin) => {
      const topics = await admin.fetchOffsets({ groupId: this.groupId, topics: [this.inputTopic] });
      return new Map(
        (topics[0]?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? null : BigInt(p.offset)]),
      );
    });
  }

  /**
   * Input partitions (of `partitions`) whose decisions Postgres has committed beyond the group's
   * committed offset: a batch is between its Postgres commit and its Kafka commit (or was left there).
   */
  async openBatches(partitions: readonly number[]): Promise<number[]> {
    const [progress, committed] = await Promise.all([this.progress(), this.committed()]);
    return partitions.filter((p) => {
      const decided = progress.get(p);
      const next = committed.get(p) ?? null;
      return decided !== undefined && (next === null || decided + 1n > next);
    });
  }

  /** Per partition, the highest input offset with a decision committed in Postgres. */
  async progress(): Promise<Map<number, bigint>> {
    const { rows } = await this.pool.query<{ partition: number; last_offset: string }>(
      `SELECT partition, last_offset::text FROM partition_progress WHERE pipeline = $1 AND topic = $2`,
      [this.pipeline, this.inputTopic],
    );
    return new Map(rows.map((r) => [r.partition, BigInt(r.last_offset)]));
  }

  /** Whether the pipeline has a watermark yet (nothing is late before it has one). */
  async hasWatermark(): Promise<boolean> {
    const { rows } = await this.pool.query(
      `SELECT 1 FROM pipeline_watermark WHERE pipeline = $1 AND topic = $2`,
      [this.pipeline, this.inputTopic],
    );
    return rows.length > 0;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
    await this.pool.end().catch(() => undefined);
  }
}
