import Link from 'next/link';
import { rangeOptions, type TimeRange } from '../lib/time-range-view';
import './charts.css';

interface TimeRangePickerProps {
  /** The page's path: `/`, `/lateness`. */
  readonly path: string;
  /** The range shown, or null when the URL's was refused (none is marked). */
  readonly current: TimeRange | null;
  /** The page's other parameters, kept by every link (the lateness filter). */
  readonly keep?: Readonly<Record<string, string | number | undefined>>;
}

/**
 * The range as five links (`?range=15m` … `?range=7d`): the choice lives in the URL, so a link to the
 * page shows what its sender saw, and the back button goes back to the previous range.
 */
export function TimeRangePicker({ path, current, keep = {} }: TimeRangePickerProps) {
  return (
    <nav className="range-picker" aria-label="Time range">
      <span className="range-picker-label">Range</span>
      <ul>
        {rangeOptions(path, current, keep).map((option) => (
          <li key={option.range}>
            <Link
              href={option.href}
              className="range-link"
              title={option.label}
              aria-label={option.label}
              aria-current={option.current ? 'true' : undefined}
              data-range={option.range}
            >
              {option.short}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
