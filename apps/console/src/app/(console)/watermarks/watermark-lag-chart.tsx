'use client';

import type { WatermarkHistory } from '@dedup/contracts';
import {
  lagAxis,
  lagAxisText,
  lagLines,
  lagRows,
  lagSummary,
  type LagKey,
  type LagRow,
} from '../../../lib/watermarks-view';
import { TimeChart, type ChartSeries } from '../../time-chart';

/**
 * The other partitions' colours, in turn. The one holding the watermark back is always
 * `--duplicate`, the colour of its row's mark and badge, and is drawn thicker, with its legend entry
 * saying why: never marked by colour alone.
 */
const PARTITION_COLORS = [
  'var(--series-late)',
  'var(--series-unique)',
  'var(--series-invalid)',
  'var(--chart-axis)',
];
const HOLDING_BACK_COLOR = 'var(--series-duplicate)';

interface WatermarkLagChartProps {
  readonly history: WatermarkHistory;
  /** The partition holding the pipeline watermark back now, or null. */
  readonly heldBackBy: number | null;
  /** The answer's clock: the time axis ends there. */
  readonly now: string;
}

/**
 * Each input partition's event-time lag over the range (its largest per step), one line per
 * partition; a legend entry links the partition's row below.
 */
export function WatermarkLagChart({ history, heldBackBy, now }: WatermarkLagChartProps) {
  const series: ChartSeries<LagKey>[] = lagLines(history, heldBackBy).map((line, i) => ({
    key: line.key,
    label: line.label,
    color: line.holdsBack
      ? HOLDING_BACK_COLOR
      : (PARTITION_COLORS[i % PARTITION_COLORS.length] ?? 'currentColor'),
    kind: 'line',
    href: line.href,
    emphasis: line.holdsBack,
  }));
  return (
    <TimeChart<LagRow>
      testId="watermark-lag-chart"
      title="Event-time lag per partition"
      summary={lagSummary(history)}
      rows={lagRows(history)}
      series={series}
      range={history.range}
      stepSeconds={history.stepSeconds}
      format={lagAxisText}
      empty={
        history.partitions.length === 0
          ? 'No watermark sampled in the range: each processor samples them every 10 s while it runs, once a partition has a record.'
          : null
      }
      height={220}
      {...lagAxis(history, now)}
    />
  );
}
