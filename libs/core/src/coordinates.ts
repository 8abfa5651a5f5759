/** Where a record sits in Kafka. Offsets are int64 on the wire, so they stay decimal strings here. */
export interface RecordCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export function sameCoordinates(a: RecordCoordinates, b: RecordCoordinates): boolean {
  return a.topic === b.topic && a.partition === b.partition && a.offset === b.offset;
}

export function formatCoordinates(c: RecordCoordinates): string {
  return `${c.topic}/${c.partition}@${c.offset}`;
}
