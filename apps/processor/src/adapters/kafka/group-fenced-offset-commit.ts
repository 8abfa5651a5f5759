// kafkajs 2.x speaks TxnOffsetCommit v0–v1 only: a transaction's offset commit carries no consumer
// group generation or member id, so the group coordinator cannot refuse a commit from a member that
// has lost its partitions (a zombie). ADR 0003 worked around that with one transactional producer per
// input partition (fencing by transactional id). KIP-447 fixed it in the protocol: TxnOffsetCommit v3
// carries the consumer's generation_id, member_id and group_instance_id, and the group coordinator
// answers ILLEGAL_GENERATION (or UNKNOWN_MEMBER_ID) to a commit from a generation that is over. That is
// what lets one transactional producer per instance commit every partition's offsets (ADR 0016/0017).
//
// This module makes two minimal changes to kafkajs, both confined here and failing loudly if the
// internals they rely on change (`installGroupFencedOffsetCommit`):
//
// 1. TxnOffsetCommit v3 in kafkajs's request table (as stable-offset-fetch.ts adds OffsetFetch v7).
//    The group metadata travels with the offsets: `withGroupMetadata(topics, metadata)` tags the
//    `topics` array that kafkajs's `sendOffsets` hands, untouched, to the request builder. Offsets
//    without metadata (other callers in this process: tests, tools) go as v3 with the protocol's
//    "no member" values (-1, "", null), which the broker accepts unvalidated as before. Offsets WITH
//    metadata on a broker older than v3 (Kafka < 2.5) are refused here, never sent unfenced.
// 2. The consumer's generation and member id, per batch: kafkajs's Runner.processEachBatch stamps the
//    ConsumerGroup's `generationId`/`memberId` on the batch before it calls eachBatch, so a batch's
//    commit carries the generation its records were fetched in (`groupMetadataOf(batch)`), not the
//    one current when the commit is sent (which could be a later generation the member rejoined).

import { kafkajsRequire } from './kafkajs-internals';

const TXN_OFFSET_COMMIT_API_KEY = 28;
const FENCED_VERSION = 3;

/** The KIP-447 consumer group metadata a transactional offset commit is fenced by. */
export interface GroupMetadata {
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

/** The broker's answers that mean the commit came from a generation that is over (KIP-447). */
export const REFUSED_GENERATION_ERRORS: ReadonlySet<string> = new Set([
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'FENCED_INSTANCE_ID',
]);

const GROUP_METADATA = Symbol('dedup.kafkajs.groupMetadata');

type Tagged = { [GROUP_METADATA]?: GroupMetadata };

/** `topics` (the argument of kafkajs's `sendOffsets`), tagged with the group metadata to commit with. */
export function withGroupMetadata<T extends object>(topics: T, metadata: GroupMetadata): T {
  Object.defineProperty(topics, GROUP_METADATA, { value: metadata, enumerable: false });
  return topics;
}

/** The consumer group metadata kafkajs had when it handed this batch to eachBatch (see above). */
export function groupMetadataOf(batch: object): GroupMetadata | undefined {
  return (batch as Tagged)[GROUP_METADATA];
}

interface KafkaEncoder {
  readonly buffer: Buffer;
  writeInt16(v: number): KafkaEncoder;
  writeInt32(v: number): KafkaEncoder;
  writeInt64(v: string | number): KafkaEncoder;
  writeUVarInt(v: number): KafkaEncoder;
  writeUVarIntString(v: string | null): KafkaEncoder;
}

interface KafkaDecoder {
  readInt16(): number;
  readInt32(): number;
  readUVarIntString(): string | null;
  readUVarIntArray<T>(reader: (d: KafkaDecoder) => T): T[] | null;
  readTaggedFields(): unknown;
}

/** What kafkajs passes to a TxnOffsetCommit request builder. */
export interface TxnOffsetCommitArgs {
  readonly transactionalId: string;
  readonly groupId: string;
  readonly producerId: string | number;
  readonly producerEpoch: number;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly offset: string | number;
      readonly metadata?: string | null;
    }[];
  }[];
}

/** The shape kafkajs's own TxnOffsetCommit v1 response decodes to (what its parse reads). */
export interface TxnOffsetCommitResponse {
  readonly throttleTime: number;
  readonly clientSideThrottleTime: number;
  readonly topics: { topic: string; partitions: { partition: number; errorCode: number }[] }[];
}

interface VersionEntry {
  request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<unknown> };
  response: { decode: (raw: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> };
}

interface TxnOffsetCommitDefinition {
  versions: string[];
  protocol: (args: { version: number }) => ((args: TxnOffsetCommitArgs) => VersionEntry) | undefined;
}

interface KafkajsConsumerGroup {
  generationId: number | null;
  memberId: string | null;
}

interface KafkajsRunner {
  consumerGroup: KafkajsConsumerGroup;
  processEachBatch: (this: KafkajsRunner, batch: object) => Promise<unknown>;
}

const Encoder = kafkajsRequire('./src/protocol/encoder') as new () => KafkaEncoder;
const Decoder = kafkajsRequire('./src/protocol/decoder') as new (buffer: Buffer) => KafkaDecoder;
const requests = kafkajsRequire('./src/protocol/requests') as {
  requests: Record<string, TxnOffsetCommitDefinition | undefined>;
};
const kafkajsV0Response = kafkajsRequire('./src/protocol/requests/txnOffsetCommit/v0/response') as {
  parse: (data: unknown) => Promise<unknown>;
};
const Runner = kafkajsRequire('./src/consumer/runner') as { prototype: KafkajsRunner } | undefined;

/** The protocol's "no member" values: the broker then stores the offsets without validating them. */
const NO_MEMBER: GroupMetadata = { generationId: -1, memberId: '', groupInstanceId: null };

/**
 * TxnOffsetCommit v3 request body, preceded by the request header's empty tagged-field section (v3 is
 * flexible: request header v2, and kafkajs writes header v1).
 *
 *   TxnOffsetCommit Request (Version: 3) => transactional_id group_id producer_id producer_epoch
 *       generation_id member_id group_instance_id [topics] TAG_BUFFER
 *     transactional_id => COMPACT_STRING
 *     group_id => COMPACT_STRING
 *     producer_id => INT64
 *     producer_epoch => INT16
 *     generation_id => INT32
 *     member_id => COMPACT_STRING
 *     group_instance_id => COMPACT_NULLABLE_STRING
 *     topics => name [partitions] TAG_BUFFER
 *       name => COMPACT_STRING
 *       partitions => partition_index committed_offset committed_leader_epoch committed_metadata TAG_BUFFER
 *         partition_index => INT32
 *         committed_offset => INT64
 *         committed_leader_epoch => INT32  (-1: unknown, as kafkajs does not track leader epochs)
 *         committed_metadata => COMPACT_NULLABLE_STRING
 */
export function encodeTxnOffsetCommitV3(args: TxnOffsetCommitArgs, group: GroupMetadata = NO_MEMBER): Buffer {
  const e = new Encoder();
  e.writeUVarInt(0); // request header v2: no tagged fields
  e.writeUVarIntString(args.transactionalId);
  e.writeUVarIntString(args.groupId);
  e.writeInt64(args.producerId);
  e.writeInt16(args.producerEpoch);
  e.writeInt32(group.generationId);
  e.writeUVarIntString(group.memberId);
  e.writeUVarIntString(group.groupInstanceId);
  e.writeUVarInt(args.topics.length + 1);
  for (const t of args.topics) {
    e.writeUVarIntString(t.topic);
    e.writeUVarInt(t.partitions.length + 1);
    for (const p of t.partitions) {
      e.writeInt32(p.partition);
      e.writeInt64(p.offset);
      e.writeInt32(-1);
      e.writeUVarIntString(p.metadata ?? null);
      e.writeUVarInt(0);
    }
    e.writeUVarInt(0);
  }
  e.writeUVarInt(0);
  return e.buffer;
}

/**
 * TxnOffsetCommit v3 response, after the correlation id (kafkajs strips it): the response header's
 * tagged fields (header v1), then
 *
 *   throttle_time_ms INT32, topics [name [partition_index error_code TAG_BUFFER] TAG_BUFFER], TAG_BUFFER
 */
export function decodeTxnOffsetCommitV3(raw: Buffer): TxnOffsetCommitResponse {
  const d = new Decoder(raw);
  d.readTaggedFields();
  const throttleTime = d.readInt32();
  const topics =
    d.readUVarIntArray((t) => {
      const topic = t.readUVarIntString() ?? '';
      const partitions =
        t.readUVarIntArray((p) => {
          const partition = p.readInt32();
          const errorCode = p.readInt16();
          p.readTaggedFields();
          return { partition, errorCode };
        }) ?? [];
      t.readTaggedFields();
      return { topic, partitions };
    }) ?? [];
  d.readTaggedFields();
  // kafkajs's v1 convention: the broker already throttled; the client need not wait again.
  return { throttleTime: 0, clientSideThrottleTime: throttleTime, topics };
}

let installed = false;

/**
 * Teaches kafkajs TxnOffsetCommit v3 and stamps each consumed batch with its group metadata (see the
 * module comment). Idempotent; throws if kafkajs's internals are not what this relies on.
 */
export function installGroupFencedOffsetCommit(): void {
  if (installed) return;
  const definition = requests.requests['TxnOffsetCommit'];
  if (definition === undefined || typeof definition.protocol !== 'function') {
    throw new Error(
      'kafkajs internals changed: no TxnOffsetCommit request table (see group-fenced-offset-commit.ts)',
    );
  }
  const runner = Runner?.prototype;
  if (runner === undefined || typeof runner.processEachBatch !== 'function') {
    throw new Error(
      'kafkajs internals changed: no Runner.processEachBatch to take the group generation from ' +
        '(see group-fenced-offset-commit.ts)',
    );
  }
  const original = definition.protocol.bind(definition);
  const highestOriginal = Math.max(...definition.versions.map(Number));
  definition.protocol = ({ version }) => {
    if (version >= FENCED_VERSION) return fencedRequest;
    const older = original({ version: Math.min(version, highestOriginal) });
    if (older === undefined) return undefined;
    return (args) => {
      if (groupMetadataOf(args.topics) !== undefined) {
        throw new Error(
          `the broker speaks TxnOffsetCommit up to v${version}; group-fenced commits need v3 (Kafka 2.5+)`,
        );
      }
      return older(args);
    };
  };
  definition.versions = [...new Set([...definition.versions, String(FENCED_VERSION)])];

  const processEachBatch = runner.processEachBatch;
  runner.processEachBatch = function (this: KafkajsRunner, batch: object) {
    const { generationId, memberId } = this.consumerGroup;
    if (typeof generationId === 'number' && typeof memberId === 'string' && memberId !== '') {
      Object.defineProperty(batch, GROUP_METADATA, {
        value: { generationId, memberId, groupInstanceId: null } satisfies GroupMetadata,
        enumerable: false,
        configurable: true,
      });
    }
    return processEachBatch.call(this, batch);
  };
  installed = true;
}

function fencedRequest(args: TxnOffsetCommitArgs): VersionEntry {
  const group = groupMetadataOf(args.topics) ?? NO_MEMBER;
  return {
    request: {
      apiKey: TXN_OFFSET_COMMIT_API_KEY,
      apiVersion: FENCED_VERSION,
      apiName: 'TxnOffsetCommit',
      encode: () => Promise.resolve(asEncoder(encodeTxnOffsetCommitV3(args, group))),
    },
    response: {
      decode: (raw) => Promise.resolve(decodeTxnOffsetCommitV3(raw)),
      // kafkajs's own handling: the first partition error throws its KafkaJSProtocolError
      // (ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID are not retriable, so sendOffsets gives up at once).
      parse: (data) => kafkajsV0Response.parse(data),
    },
  };
}

/** kafkajs's request framing wants one of its Encoders for the body. */
function asEncoder(body: Buffer): KafkaEncoder {
  const e = new Encoder() as KafkaEncoder & { writeBuffer(b: Buffer): KafkaEncoder };
  e.writeBuffer(body);
  return e;
}
