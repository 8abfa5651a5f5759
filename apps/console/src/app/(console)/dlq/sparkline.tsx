import { describeLastDay, sparklinePath } from '../../../lib/dlq-view';

const WIDTH = 96;
const HEIGHT = 22;

/** A group's records per hour over the last 24 hours, oldest on the left; its numbers in the label. */
export function Sparkline({ counts }: { counts: readonly number[] }) {
  return (
    <svg
      className="dlq-sparkline"
      role="img"
      aria-label={describeLastDay(counts)}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
    >
      <path d={sparklinePath(counts, WIDTH, HEIGHT)} />
    </svg>
  );
}
