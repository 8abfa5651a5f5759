'use client';

import { useSyncExternalStore } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { TooltipContentProps } from 'recharts';
import { binLabelOf, type HistogramBin } from '../../../lib/lateness-view';
import { formatCount, shortDurationText } from '../../../lib/quantity-view';
import { ChartLegend } from '../../time-chart';
import '../../charts.css';

const SERIES = [
  { key: 'kept', label: 'Kept (within the allowed lateness)', color: 'var(--chart-axis)' },
  { key: 'late', label: 'Late (beyond it)', color: 'var(--series-late)' },
] as const;

const HEIGHT = 240;
const subscribe = () => () => undefined;

/**
 * Records behind the watermark per lateness bin, kept and late stacked. The bins are about ×2 apart
 * (lateness-view.ts), so the evenly spaced bars are a log lateness axis; the allowed lateness is
 * marked on the bin that holds it. Drawn in the browser only (it needs the container's width).
 */
export function LatenessHistogram({
  bins,
  allowedLatenessMs,
}: {
  bins: readonly HistogramBin[];
  allowedLatenessMs: number;
}) {
  const inBrowser = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  const mark = allowedLatenessMs > 0 ? binLabelOf(allowedLatenessMs) : null;
  return (
    <figure className="chart" data-testid="lateness-histogram">
      <figcaption>
        <span className="chart-title">How late, on a log scale</span>
        <span className="chart-summary">records behind the watermark per lateness bin</span>
      </figcaption>
      <div className="chart-plot" style={{ height: HEIGHT }}>
        {inBrowser && (
          <ResponsiveContainer width="100%" height={HEIGHT}>
            <BarChart data={[...bins]} margin={{ top: 18, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid vertical={false} />
              <XAxis dataKey="label" interval="preserveStartEnd" />
              <YAxis width={60} allowDecimals={false} tickFormatter={(v: number) => formatCount(v)} />
              <Tooltip
                isAnimationActive={false}
                cursor={{ fill: 'currentColor', fillOpacity: 0.08 }}
                content={(tooltip: TooltipContentProps) => <HistogramTooltip tooltip={tooltip} />}
              />
              {SERIES.map((s) => (
                <Bar
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  stackId="lateness"
                  fill={s.color}
                  isAnimationActive={false}
                />
              ))}
              {mark !== null && bins.some((b) => b.label === mark) && (
                <ReferenceLine
                  x={mark}
                  label={{ value: `allowed ${shortDurationText(allowedLatenessMs)}`, position: 'top' }}
                />
              )}
            </BarChart>
          </ResponsiveContainer>
        )}
      </div>
      <ChartLegend series={SERIES} />
    </figure>
  );
}

function HistogramTooltip({ tooltip }: { tooltip: TooltipContentProps }) {
  const bin: unknown = tooltip.payload[0]?.payload;
  if (!tooltip.active || typeof bin !== 'object' || bin === null) return null;
  const { label, kept, late } = bin as HistogramBin;
  return (
    <div className="chart-tooltip">
      <p>{label} behind</p>
      <ul>
        <li>
          kept <strong>{formatCount(kept)}</strong>
        </li>
        <li>
          late <strong>{formatCount(late)}</strong>
        </li>
      </ul>
    </div>
  );
}
