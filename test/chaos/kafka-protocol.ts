import { connect } from 'node:net';

const LEAVE_GROUP = 13;

/**
 * Removes a member from a consumer group now: a LeaveGroup request (v0) on the member's behalf, sent
 * to the group coordinator (the only broker). After a `kill -9` the coordinator would otherwise keep
 * the dead member until its session times out (30 s for the processor, not configurable), and stall
 * every rebalance until then; with this, the harness can model a fast failure detector. Returns the
 * Kafka error code (0: removed; 25 UNKNOWN_MEMBER_ID: it was already gone).
 */
export function leaveGroupOnBehalfOf(
  bootstrap: string,
  groupId: string,
  memberId: string,
  timeoutMs = 5_000,
): Promise<number> {
  const [host = '127.0.0.1', port = '9092'] = bootstrap.split(':');
  const str = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeInt16BE(bytes.length);
    return Buffer.concat([len, bytes]);
  };
  const header = Buffer.alloc(8);
  header.writeInt16BE(LEAVE_GROUP, 0);
  header.writeInt16BE(0, 2); // api version 0: { group_id, member_id }
  header.writeInt32BE(1, 4); // correlation id
  const body = Buffer.concat([header, str('chaos-harness'), str(groupId), str(memberId)]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`LeaveGroup: no answer from ${bootstrap} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('connect', () => socket.write(Buffer.concat([size, body])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // size (4) + correlation id (4) + error code (2)
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0) && received.length >= 10) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received.readInt16BE(8));
      }
    });
  });
}
