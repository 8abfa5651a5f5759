import type { ExactlyOnceResponse } from '@dedup/contracts';
import Link from 'next/link';
import { EXACTLY_ONCE_PATH, exactlyOnceHealth } from '../../lib/exactly-once-view';

/**
 * The overview's tile on exactly-once output: healthy, needs a look, or not in use (at least once),
 * and why in one line, linking to the Exactly-once page.
 */
export function ExactlyOnceTile({ data, error }: { data: ExactlyOnceResponse | null; error: string | null }) {
  if (data === null) {
    return (
      <Link href={EXACTLY_ONCE_PATH} className="tile tile-neutral" data-testid="overview-exactly-once">
        <span className="tile-label">Exactly-once</span>
        <span className="tile-word">–</span>
        <span className="tile-recent">{error === null ? 'Not read yet.' : `Unavailable: ${error}.`}</span>
      </Link>
    );
  }
  const health = exactlyOnceHealth(data);
  return (
    <Link
      href={EXACTLY_ONCE_PATH}
      className={`tile health-${health.level}${error === null ? '' : ' stale'}`}
      data-testid="overview-exactly-once"
      data-health={health.level}
    >
      <span className="tile-label">Exactly-once</span>
      <span className="tile-word" data-testid="exactly-once-health">
        {health.headline}
      </span>
      <span className="tile-recent">{health.reasons[0]}</span>
    </Link>
  );
}
