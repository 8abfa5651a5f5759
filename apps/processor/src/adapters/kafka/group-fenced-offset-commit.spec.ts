import {
  decodeTxnOffsetCommitV3,
  encodeTxnOffsetCommitV3,
  groupMetadataOf,
  withGroupMetadata,
} from './group-fenced-offset-commit';

const bytes = (...parts: (number | number[] | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(Array.isArray(p) ? p : [p]))));
const int16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(v);
  return b;
};
const int32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
};
const int64 = (v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(v);
  return b;
};
/** COMPACT_STRING: unsigned varint length + 1, then the UTF-8 bytes (all lengths here < 127). */
const compact = (s: string) => bytes(Buffer.byteLength(s) + 1, Buffer.from(s, 'utf8'));

const args = {
  transactionalId: 'tx-1',
  groupId: 'grp',
  producerId: '4000000000', // above 2^31: written as a real int64
  producerEpoch: 7,
  topics: [
    {
      topic: 'events.raw',
      partitions: [
        { partition: 0, offset: '1234' },
        { partition: 3, offset: '9', metadata: 'm' },
      ],
    },
  ],
};

const body = (generation: Buffer, member: Buffer, instance: Buffer) =>
  bytes(
    0, // request header v2: no tagged fields
    compact('tx-1'),
    compact('grp'),
    int64(4_000_000_000n),
    int16(7),
    generation,
    member,
    instance,
    2, // one topic
    compact('events.raw'),
    3, // two partitions
    int32(0),
    int64(1234n),
    int32(-1), // committed_leader_epoch: unknown
    0, // null metadata
    0, // partition tagged fields
    int32(3),
    int64(9n),
    int32(-1),
    compact('m'),
    0,
    0, // topic tagged fields
    0, // request tagged fields
  );

describe('TxnOffsetCommit v3 wire format (KIP-447 group metadata)', () => {
  it('encodes generation, member id and group instance id between the producer epoch and the topics', () => {
    const encoded = encodeTxnOffsetCommitV3(args, {
      generationId: 42,
      memberId: 'member-a',
      groupInstanceId: 'inst-1',
    });
    expect(encoded).toEqual(body(int32(42), compact('member-a'), compact('inst-1')));
  });

  it('encodes a null group instance id, and "no member" (-1, "", null) when given no metadata', () => {
    expect(encodeTxnOffsetCommitV3(args, { generationId: 3, memberId: 'm', groupInstanceId: null })).toEqual(
      body(int32(3), compact('m'), bytes(0)),
    );
    expect(encodeTxnOffsetCommitV3(args)).toEqual(body(int32(-1), compact(''), bytes(0)));
  });

  it('decodes a response with partition errors and tagged fields', () => {
    const raw = bytes(
      0, // response header v1: no tagged fields
      int32(5), // throttle_time_ms
      2, // one topic
      compact('events.raw'),
      3, // two partitions
      int32(0),
      int16(0),
      0,
      int32(3),
      int16(22), // ILLEGAL_GENERATION
      // partition tagged fields: one field, tag 1, 1 byte, which a reader must skip
      1,
      1,
      1,
      0xff,
      0, // topic tagged fields
      0, // response tagged fields
    );
    expect(decodeTxnOffsetCommitV3(raw)).toEqual({
      throttleTime: 0,
      clientSideThrottleTime: 5,
      topics: [
        {
          topic: 'events.raw',
          partitions: [
            { partition: 0, errorCode: 0 },
            { partition: 3, errorCode: 22 },
          ],
        },
      ],
    });
  });

  it('carries the metadata on the offsets without changing what they serialise to', () => {
    const topics = [{ topic: 't', partitions: [{ partition: 0, offset: '1' }] }];
    const metadata = { generationId: 1, memberId: 'x', groupInstanceId: null };
    expect(groupMetadataOf(withGroupMetadata(topics, metadata))).toBe(metadata);
    expect(JSON.stringify(topics)).toBe('[{"topic":"t","partitions":[{"partition":0,"offset":"1"}]}]');
    expect(groupMetadataOf([])).toBeUndefined();
  });
});
