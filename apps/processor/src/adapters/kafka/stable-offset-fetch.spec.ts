import { decodeOffsetFetchV7, encodeOffsetFetchV7 } from './stable-offset-fetch';

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

describe('OffsetFetch v7 wire format (KIP-447 require_stable)', () => {
  it('encodes the request body after an empty request-header tag section', () => {
    const body = encodeOffsetFetchV7({
      groupId: 'grp',
      topics: [{ topic: 'events.raw', partitions: [{ partition: 0 }, { partition: 3 }] }],
    });
    expect(body).toEqual(
      bytes(
        0, // request header v2: no tagged fields
        compact('grp'),
        2, // one topic
        compact('events.raw'),
        3, // two partition indexes
        int32(0),
        int32(3),
        0, // topic tagged fields
        1, // require_stable = true
        0, // request tagged fields
      ),
    );
  });

  it('encodes "all topics" as a null compact array and can leave require_stable off', () => {
    expect(encodeOffsetFetchV7({ groupId: 'g', topics: [] }, false)).toEqual(bytes(0, compact('g'), 0, 0, 0));
  });

  it('decodes a response with offsets, metadata, a partition error and tagged fields', () => {
    const raw = bytes(
      0, // response header v1: no tagged fields
      int32(7), // throttle_time_ms
      2, // one topic
      compact('events.raw'),
      3, // two partitions
      int32(0),
      int64(1234n),
      int32(-1), // committed_leader_epoch
      compact('meta'),
      int16(0),
      0,
      int32(1),
      int64(-1n),
      int32(-1),
      0, // null metadata
      int16(88), // UNSTABLE_OFFSET_COMMIT
      0,
      0, // topic tagged fields
      int16(0), // top-level error
      // response tagged fields: one field, tag 5, 2 bytes, which a reader must skip
      1,
      5,
      2,
      0xab,
      0xcd,
    );
    expect(decodeOffsetFetchV7(raw)).toEqual({
      throttleTime: 0,
      clientSideThrottleTime: 7,
      errorCode: 0,
      responses: [
        {
          topic: 'events.raw',
          partitions: [
            { partition: 0, offset: '1234', metadata: 'meta', errorCode: 0 },
            { partition: 1, offset: '-1', metadata: null, errorCode: 88 },
          ],
        },
      ],
    });
  });
});
