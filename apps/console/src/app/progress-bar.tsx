import { formatCount, formatPercent, progressPercent } from '../lib/backfill-view';

interface ProgressBarProps {
  /** Accessible name, e.g. "Backfill 3 progress". */
  label: string;
  /** Share done, 0..1. */
  progress: number;
  processed: number;
  total: number;
  /** A thinner bar, for per-partition rows. */
  small?: boolean;
}

/** A determinate bar; the numbers are in aria-valuetext so a screen reader hears records, not pixels. */
export function ProgressBar({ label, progress, processed, total, small = false }: ProgressBarProps) {
  const percent = progressPercent(progress);
  return (
    <div
      className={small ? 'progress progress-small' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${formatPercent(percent)}: ${formatCount(processed)} of ${formatCount(total)} records`}
    >
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}
