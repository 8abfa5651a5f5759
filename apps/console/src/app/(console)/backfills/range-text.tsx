import type { BackfillRange } from '@dedup/contracts';
import { describeOffsets } from '../../../lib/backfill-view';
import { LocalTime } from '../../local-time';

/** A job's range in words; open time bounds say what they mean rather than showing nothing. */
export function RangeText({ range }: { range: BackfillRange }) {
  switch (range.kind) {
    case 'time':
      return (
        <>
          record time from{' '}
          {range.from === undefined ? 'the earliest record' : <LocalTime iso={range.from} show="datetime" />}{' '}
          to{' '}
          {range.to === undefined ? (
            'the end of the topic at creation'
          ) : (
            <LocalTime iso={range.to} show="datetime" />
          )}
        </>
      );
    case 'offsets':
      return <>offsets {describeOffsets(range.partitions)}</>;
  }
}
