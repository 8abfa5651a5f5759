// kafkajs 2.x speaks OffsetFetch v1–v4 only, which cannot ask for *stable* offsets. A transaction's
// offset commit becomes visible to OffsetFetch only once the group coordinator has applied the commit
// marker, which it does asynchronously, after the transaction coordinator has already answered the
// commit (and after a new producer with the same transactional id has been let in). In that window an
// unstable read returns the offset from before the commit, and a new owner of the partition
// re-processes (and re-publishes) a batch that is already committed: measured 5–7 times in 60 rounds
// by `npm run chaos -- --probe offset-visibility` (docs/exactly-once.md).
//
// KIP-447 fixed this in the protocol: OffsetFetch v7 carries `require_stable`, and the broker answers
// UNSTABLE_OFFSET_COMMIT (retriable) for a partition while a transactional commit to it is pending.
// The Java consumer sets it whenever isolation.level=read_committed. This module teaches kafkajs v7 and
// sets it on every OffsetFetch of this process: the consumer's own position lookup after an
// assignment, admin.fetchOffsets, and so KafkaAdapter.committedOffset.
//
// It does so by adding v7 to kafkajs's table of OffsetFetch versions (kafkajs picks the highest
// version both sides support), because kafkajs has no extension point for protocol versions. It is
// confined to this file, checked by unit tests against the wire format, and by an integration test
// against the real broker; `installStableOffsetFetch` fails loudly if the kafkajs internals change.

import { kafkajsRequire } from './kafkajs-internals';

/** The Kafka error UNSTABLE_OFFSET_COMMIT (88): a transactional offset commit is still pending. */
export const UNSTABLE_OFFSET_COMMIT = 'UNSTABLE_OFFSET_COMMIT';

const OFFSET_FETCH_API_KEY = 9;
const STABLE_VERSION = 7;

interface KafkaEncoder {
  readonly buf: Buffer;
  readonly buffer: Buffer;
  writeInt8(v: number): KafkaEncoder;
  writeInt32(v: number): KafkaEncoder;
  writeBoolean(v: boolean): KafkaEncoder;
  writeUVarInt(v: number): KafkaEncoder;
  writeUVarIntString(v: string | null): KafkaEncoder;
}

interface KafkaDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readUVarIntString(): string | null;
  readUVarIntArray<T>(reader: (d: KafkaDecoder) => T): T[] | null;
  readTaggedFields(): unknown;
}

/** What kafkajs passes to an OffsetFetch request builder. */
export interface OffsetFetchArgs {
  readonly groupId: string;
  readonly topics: readonly {
    readonly topic: string;
    readonly partitions: readonly { partition: number }[];
  }[];
}

/** The shape kafkajs's own OffsetFetch v2–v4 responses decode to (what its callers read). */
export interface OffsetFetchResponse {
  readonly throttleTime: number;
  readonly clientSideThrottleTime: number;
  readonly responses: {
    topic: string;
    partitions: { partition: number; offset: string; metadata: string | null; errorCode: number }[];
  }[];
  readonly errorCode: number;
}

interface VersionEntry {
  request: { apiKey: number; apiVersion: number; apiName: string; encode: () => Promise<unknown> };
  response: { decode: (raw: Buffer) => Promise<unknown>; parse: (data: unknown) => Promise<unknown> };
}

interface OffsetFetchDefinition {
  versions: string[];
  protocol: (args: { version: number }) => ((args: OffsetFetchArgs) => VersionEntry) | undefined;
}

const Encoder = kafkajsRequire('./src/protocol/encoder') as new () => KafkaEncoder;
const Decoder = kafkajsRequire('./src/protocol/decoder') as new (buffer: Buffer) => KafkaDecoder;
const requests = kafkajsRequire('./src/protocol/requests') as {
  requests: Record<string, OffsetFetchDefinition | undefined>;
};
const kafkajsV2Response = kafkajsRequire('./src/protocol/requests/offsetFetch/v2/response') as {
  parse: (data: unknown) => Promise<unknown>;
};

/**
 * OffsetFetch v7 request body, preceded by the request header's empty tagged-field section: v6+ is a
 * "flexible" version, whose request header (v2) ends in tagged fields, and kafkajs writes header v1.
 *
 *   OffsetFetch Request (Version: 7) => group_id [topics] require_stable TAG_BUFFER
 *     group_id => COMPACT_STRING
 *     topics => name [partition_indexes] TAG_BUFFER   (COMPACT_NULLABLE_ARRAY; null = all)
 *     require_stable => BOOLEAN
 */
export function encodeOffsetFetchV7(args: OffsetFetchArgs, requireStable = true): Buffer {
  const e = new Encoder();
  e.writeUVarInt(0); // request header v2: no tagged fields
  e.writeUVarIntString(args.groupId);
  if (args.topics.length === 0) {
    e.writeUVarInt(0); // null: every topic the group has offsets for
  } else {
    e.writeUVarInt(args.topics.length + 1);
    for (const t of args.topics) {
      e.writeUVarIntString(t.topic);
      e.writeUVarInt(t.partitions.length + 1);
      for (const p of t.partitions) e.writeInt32(p.partition);
      e.writeUVarInt(0);
    }
  }
  e.writeBoolean(requireStable);
  e.writeUVarInt(0);
  return e.buffer;
}

/**
 * OffsetFetch v7 response, after the correlation id (kafkajs strips it): the response header's tagged
 * fields (header v1), then
 *
 *   throttle_time_ms INT32, topics [name [partition_index committed_offset committed_leader_epoch
 *   metadata error_code TAG_BUFFER] TAG_BUFFER], error_code INT16, TAG_BUFFER
 */
export function decodeOffsetFetchV7(raw: Buffer): OffsetFetchResponse {
  const d = new Decoder(raw);
  d.readTaggedFields();
  const throttleTime = d.readInt32();
  const responses =
    d.readUVarIntArray((t) => {
      const topic = t.readUVarIntString() ?? '';
      const partitions =
        t.readUVarIntArray((p) => {
          const partition = p.readInt32();
          const offset = p.readInt64().toString();
          p.readInt32(); // committed_leader_epoch
          const metadata = p.readUVarIntString();
          const errorCode = p.readInt16();
          p.readTaggedFields();
          return { partition, offset, metadata, errorCode };
        }) ?? [];
      t.readTaggedFields();
      return { topic, partitions };
    }) ?? [];
  const errorCode = d.readInt16();
  d.readTaggedFields();
  // kafkajs's v4 convention: the broker already throttled; the client need not wait again.
  return { throttleTime: 0, clientSideThrottleTime: throttleTime, responses, errorCode };
}

let installed = false;

/**
 * Makes every OffsetFetch this process's kafkajs sends a v7 request with require_stable (when the
 * broker supports v7; older brokers keep getting v4). Idempotent. kafkajs surfaces the broker's
 * UNSTABLE_OFFSET_COMMIT as a retriable KafkaJSProtocolError; its consumer retries it, and
 * KafkaAdapter.committedOffset retries it too.
 */
export function installStableOffsetFetch(): void {
  if (installed) return;
  const definition = requests.requests['OffsetFetch'];
  if (definition === undefined || typeof definition.protocol !== 'function') {
    throw new Error('kafkajs internals changed: no OffsetFetch request table (see stable-offset-fetch.ts)');
  }
  const original = definition.protocol.bind(definition);
  const highestOriginal = Math.max(...definition.versions.map(Number));
  definition.protocol = ({ version }) => {
    if (version >= STABLE_VERSION) return stableRequest;
    // v5/v6 (a broker older than 2.5): kafkajs's newest version it implements.
    return original({ version: Math.min(version, highestOriginal) });
  };
  definition.versions = [...new Set([...definition.versions, String(STABLE_VERSION)])];
  installed = true;
}

function stableRequest(args: OffsetFetchArgs): VersionEntry {
  return {
    request: {
      apiKey: OFFSET_FETCH_API_KEY,
      apiVersion: STABLE_VERSION,
      apiName: 'OffsetFetch',
      encode: () => Promise.resolve(asEncoder(encodeOffsetFetchV7(args))),
    },
    response: {
      decode: (raw) => Promise.resolve(decodeOffsetFetchV7(raw)),
      // The same error handling as kafkajs's v2–v4: a top-level or partition error code throws the
      // matching KafkaJSProtocolError (UNSTABLE_OFFSET_COMMIT is retriable).
      parse: (data) => kafkajsV2Response.parse(data),
    },
  };
}

/** kafkajs's request framing wants one of its Encoders for the body. */
function asEncoder(body: Buffer): KafkaEncoder {
  const e = new Encoder() as KafkaEncoder & { writeBuffer(b: Buffer): KafkaEncoder };
  e.writeBuffer(body);
  return e;
}
