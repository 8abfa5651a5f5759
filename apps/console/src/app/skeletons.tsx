import { TIME_RANGE_IDS } from '../lib/time-range-view';
import './charts.css';

/*
 * The building blocks of the sections' loading.tsx: grey blocks in the shape of what is coming, so
 * the page does not jump when the data arrives. Hidden from screen readers; each loading.tsx has one
 * status line that says what is being read instead.
 */

/** "Reading …": heard, not seen (the skeleton is what is seen). */
export function LoadingStatus({ children }: { children: string }) {
  return (
    <p className="visually-hidden" role="status">
      {children}
    </p>
  );
}

/** The page's introduction, two lines. */
export function SkeletonLede() {
  return (
    <div className="lede" aria-hidden="true">
      <span className="skeleton skeleton-line w-80" />
      <span className="skeleton skeleton-line w-60" />
    </div>
  );
}

/** The facts line under a heading (`dl.meta`): its real labels, grey values. */
export function SkeletonMeta({ labels }: { labels: readonly string[] }) {
  return (
    <dl className="meta" aria-hidden="true">
      {labels.map((label) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>
            <span className="skeleton skeleton-cell skeleton-meta" />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A panel of form fields (labels and inputs) with a button row. */
export function SkeletonForm({ fields, label }: { fields: number; label: string }) {
  return (
    <div className="panel" aria-hidden="true" data-skeleton={label}>
      <div className="field-grid">
        {Array.from({ length: fields }, (_, i) => (
          <div key={i} className="field">
            <span className="skeleton skeleton-line w-40" />
            <span className="skeleton skeleton-field" />
          </div>
        ))}
      </div>
      <div className="button-row">
        <span className="skeleton skeleton-button" />
        <span className="skeleton skeleton-button" />
      </div>
    </div>
  );
}

/** A table: its real column headings (they are known before the data), grey cells for the rows. */
export function SkeletonTable({ columns, rows }: { columns: readonly string[]; rows: number }) {
  const widths = ['w-60', 'w-80', 'w-40', 'w-60', 'w-30', 'w-80', 'w-40'];
  return (
    <div className="table-scroll" aria-hidden="true">
      <table className="table">
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, row) => (
            <tr key={row}>
              {columns.map((column, i) => (
                <td key={column}>
                  <span className={`skeleton skeleton-cell ${widths[(row + i) % widths.length] ?? 'w-60'}`} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A card like a backfill job or a replay run: title, progress bar, a line of numbers, facts. */
export function SkeletonCard() {
  return (
    <div className="job" aria-hidden="true">
      <span className="skeleton skeleton-title" />
      <span className="skeleton skeleton-bar" />
      <span className="skeleton skeleton-line w-40" />
      <span className="skeleton skeleton-line w-60" />
    </div>
  );
}

/** A page's time-range picker: its five ranges, none marked (the URL's range is not known here). */
export function SkeletonRangePicker() {
  return (
    <div className="range-picker" aria-hidden="true">
      <span className="range-picker-label">Range</span>
      <ul>
        {TIME_RANGE_IDS.map((range) => (
          <li key={range}>
            <span className="range-link">{range}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A chart's frame: its title (known before the data) and the plot's height, empty. */
export function SkeletonChart({
  title,
  height = 200,
  wide,
}: {
  title: string;
  height?: number;
  wide?: boolean;
}) {
  return (
    <div className={wide === true ? 'chart chart-wide' : 'chart'} aria-hidden="true">
      <span className="chart-title">{title}</span>
      <div className="chart-plot" style={{ height }} />
    </div>
  );
}
