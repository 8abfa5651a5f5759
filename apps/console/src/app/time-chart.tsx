'use client';

import type { ReactNode } from 'react';
import { useSyncExternalStore } from 'react';
import {
  Area,
  Bar,
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
  type DotItemDotProps,
  type TooltipContentProps,
} from 'recharts';
import { stepSpanText, timeTicks, timeTickText, type TimeRange } from '../lib/time-range-view';
import './charts.css';

/*
 * One chart over a time range, as the Overview and Exactly-once pages draw them (recharts). Colours
 * are CSS variables of globals.css (`var(--series-late)`), so the charts follow the console's theme;
 * axes, grid and tooltip are styled in charts.css.
 */

export interface ChartSeries<K extends string> {
  readonly key: K;
  readonly label: string;
  /** A CSS colour, always a variable of the palette: `var(--series-unique)`. */
  readonly color: string;
  readonly kind: 'line' | 'area' | 'bar';
  /** Series with the same stack are drawn on top of each other. */
  readonly stack?: string;
  /** The legend entry links here: a partition's row, `#p-3`. */
  readonly href?: string;
  /** The series the chart is about: a line drawn thicker, and every other line fainter. */
  readonly emphasis?: boolean;
}

export interface TimeChartProps<Row extends { readonly t: number }> {
  readonly title: string;
  /** One line under the title, also read to screen readers: "latest 12/s, highest 40/s". */
  readonly summary: ReactNode;
  readonly rows: readonly Row[];
  readonly series: readonly ChartSeries<Extract<keyof Row, string>>[];
  readonly range: TimeRange;
  readonly stepSeconds: number;
  /** The range's first step start and end, epoch ms: the time axis always spans the whole range. */
  readonly fromMs: number;
  readonly toMs: number;
  /** One value for the tooltip and the value axis. */
  readonly format: (value: number) => string;
  /** Drawn instead of the plot when set: "No samples in the range." */
  readonly empty?: string | null;
  /** The value axis's top, e.g. 100 for a percentage; otherwise from the data. */
  readonly yMax?: number;
  /** Whole numbers only on the value axis (counts): no "0.5 transactions" tick printed as "1". */
  readonly integer?: boolean;
  readonly wide?: boolean;
  readonly testId?: string;
  readonly height?: number;
}

const subscribe = () => () => undefined;

/**
 * Charts are drawn in the browser only: their time ticks are local times, which the server (in its
 * own zone) would print differently, and the plot needs the container's width. Until then the
 * figure keeps its height, so the page does not jump.
 */
function useInBrowser(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}

export function TimeChart<Row extends { readonly t: number }>(props: TimeChartProps<Row>) {
  const { title, summary, series, empty, wide, testId, height = 200 } = props;
  const inBrowser = useInBrowser();
  return (
    <figure className={wide === true ? 'chart chart-wide' : 'chart'} data-testid={testId}>
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="chart-summary">{summary}</span>
      </figcaption>
      {empty !== undefined && empty !== null ? (
        <p className="chart-empty" style={{ height }}>
          {empty}
        </p>
      ) : (
        <>
          <div className="chart-plot" style={{ height }}>
            {inBrowser && <Plot {...props} height={height} />}
          </div>
          {(series.length > 1 || series.some((s) => s.href !== undefined)) && <ChartLegend series={series} />}
        </>
      )}
    </figure>
  );
}

function Plot<Row extends { readonly t: number }>({
  rows,
  series,
  range,
  stepSeconds,
  fromMs,
  toMs,
  format,
  yMax,
  integer,
  height,
}: TimeChartProps<Row> & { height: number }) {
  const emphasised = series.some((s) => s.emphasis === true);
  // The emphasised series last, so it is drawn over the others; the legend keeps the given order.
  const drawn = emphasised
    ? [...series.filter((s) => s.emphasis !== true), ...series.filter((s) => s.emphasis === true)]
    : series;
  return (
    <ResponsiveContainer width="100%" height={height}>
      <ComposedChart data={[...rows]} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
        <CartesianGrid vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          scale="time"
          domain={[fromMs, toMs]}
          ticks={timeTicks(fromMs, toMs, range)}
          tickFormatter={(value: number) => timeTickText(value, range)}
          allowDataOverflow
        />
        <YAxis
          width={68}
          tickFormatter={(value: number) => format(value)}
          domain={[0, yMax ?? 'auto']}
          allowDecimals={integer !== true}
        />
        <Tooltip
          isAnimationActive={false}
          cursor={{ stroke: 'var(--chart-axis)', strokeDasharray: '3 3' }}
          content={(tooltip: TooltipContentProps) => (
            <ChartTooltip
              tooltip={tooltip}
              series={series}
              format={format}
              range={range}
              stepSeconds={stepSeconds}
            />
          )}
        />
        {drawn.map((s) => {
          const common = {
            key: s.key,
            dataKey: s.key,
            name: s.label,
            isAnimationActive: false,
            ...(s.stack === undefined ? {} : { stackId: s.stack }),
          };
          switch (s.kind) {
            case 'area':
              return (
                <Area
                  {...common}
                  type="linear"
                  // Stacked: fill only. A stroke marks each area's top edge, and a series at 0 would
                  // draw its colour along the total (a red "failed" line over a healthy stack).
                  stroke={s.stack === undefined ? s.color : 'none'}
                  fill={s.color}
                  fillOpacity={s.stack === undefined ? 0.35 : 0.75}
                  strokeWidth={1.5}
                  connectNulls={false}
                />
              );
            case 'line':
              return (
                <Line
                  {...common}
                  type="linear"
                  stroke={s.color}
                  strokeWidth={s.emphasis === true ? 3 : 2}
                  strokeOpacity={emphasised && s.emphasis !== true ? 0.55 : 1}
                  dot={(dot: DotItemDotProps) => loneDot(dot, s.color)}
                  connectNulls={false}
                />
              );
            case 'bar':
              return <Bar {...common} fill={s.color} maxBarSize={14} />;
          }
        })}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

/**
 * A line's value with no value either side (alone after a gap, or the only sample so far) is a dot:
 * a line needs two points, so it would not show at all. Every other point is line only.
 */
function loneDot({ cx, cy, index, points }: DotItemDotProps, color: string): ReactNode {
  const drawn = (i: number) => typeof points[i]?.y === 'number';
  if (cx === undefined || cy === undefined || !drawn(index) || drawn(index - 1) || drawn(index + 1))
    return null;
  return <circle className="chart-lone-dot" cx={cx} cy={cy} r={2.5} fill={color} />;
}

function ChartTooltip<K extends string>({
  tooltip,
  series,
  format,
  range,
  stepSeconds,
}: {
  tooltip: TooltipContentProps;
  series: readonly ChartSeries<K>[];
  format: (value: number) => string;
  range: TimeRange;
  stepSeconds: number;
}) {
  if (!tooltip.active || tooltip.payload.length === 0 || typeof tooltip.label !== 'number') return null;
  const row: unknown = tooltip.payload[0]?.payload;
  const value = (key: string): number | null => {
    const v = typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[key] : null;
    return typeof v === 'number' ? v : null;
  };
  return (
    <div className="chart-tooltip">
      <p className="chart-tooltip-time">{stepSpanText(tooltip.label, stepSeconds, range)}</p>
      <ul>
        {/* Stacked series are listed top first, as drawn. */}
        {(series.some((s) => s.stack !== undefined) ? [...series].reverse() : series).map((s) => {
          const v = value(s.key);
          return (
            <li key={s.key}>
              <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
              {s.label} <strong>{v === null ? '–' : format(v)}</strong>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The series' names with their colours, as HTML (wraps, and reads as text); an `href` makes a link. */
export function ChartLegend<K extends string>({
  series,
}: {
  series: readonly Pick<ChartSeries<K>, 'key' | 'label' | 'color' | 'href'>[];
}) {
  return (
    <ul className="chart-legend">
      {series.map((s) => (
        <li key={s.key} data-series={s.key}>
          <span className="chart-swatch" style={{ background: s.color }} aria-hidden="true" />
          {s.href === undefined ? s.label : <a href={s.href}>{s.label}</a>}
        </li>
      ))}
    </ul>
  );
}
