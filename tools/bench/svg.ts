// The saturation plot, as a self-contained SVG (no plotting library): offered vs achieved throughput
// (left) and end-to-end p99 latency vs offered load (right), one line per configuration, log scales.

export interface PlotSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { offered: number; achieved: number; p99: number | null; saturated?: boolean }[];
}

const PANEL_W = 440;
const PANEL_H = 300;
const M = { left: 70, right: 20, top: 62, bottom: 60 };
const WIDTH = 2 * (M.left + PANEL_W + M.right);
/** Without the legend's extra rows (it wraps when the series' names do not fit on one). */
const HEIGHT = M.top + PANEL_H + M.bottom + 40;
const LEGEND_ROW_H = 20;
/** Rough width of a 12 px sans-serif character, for laying out the legend. */
const CHAR_W = 7;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function formatRate(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${+(ms / 1000).toFixed(1)} s`;
  return `${+ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** Log-scale ticks: 1, 2, 5 × powers of ten inside [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

function logScale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  const l0 = Math.log10(lo);
  const span = Math.log10(hi) - l0 || 1;
  return (v) => a + ((Math.log10(Math.max(v, lo)) - l0) / span) * (b - a);
}

interface Panel {
  readonly x0: number;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xRange: [number, number];
  readonly yRange: [number, number];
  readonly xFmt: (v: number) => string;
  readonly yFmt: (v: number) => string;
}

function axes(p: Panel): { sx: (v: number) => number; sy: (v: number) => number; svg: string[] } {
  const left = p.x0 + M.left;
  const top = M.top;
  const sx = logScale(p.xRange[0], p.xRange[1], left, left + PANEL_W);
  const sy = logScale(p.yRange[0], p.yRange[1], top + PANEL_H, top);
  const svg: string[] = [
    `<text x="${left + PANEL_W / 2}" y="${top - 12}" text-anchor="middle" font-size="15" font-weight="bold">${esc(p.title)}</text>`,
    `<rect x="${left}" y="${top}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#888"/>`,
  ];
  for (const t of ticks(...p.xRange)) {
    const x = sx(t).toFixed(1);
    svg.push(
      `<line x1="${x}" y1="${top}" x2="${x}" y2="${top + PANEL_H}" stroke="#e4e4e4"/>`,
      `<text x="${x}" y="${top + PANEL_H + 16}" text-anchor="middle" font-size="11">${esc(p.xFmt(t))}</text>`,
    );
  }
  for (const t of ticks(...p.yRange)) {
    const y = sy(t).toFixed(1);
    svg.push(
      `<line x1="${left}" y1="${y}" x2="${left + PANEL_W}" y2="${y}" stroke="#e4e4e4"/>`,
      `<text x="${left - 6}" y="${y}" dy="4" text-anchor="end" font-size="11">${esc(p.yFmt(t))}</text>`,
    );
  }
  svg.push(
    `<text x="${left + PANEL_W / 2}" y="${top + PANEL_H + 38}" text-anchor="middle" font-size="12">${esc(p.xLabel)}</text>`,
    `<text transform="translate(${p.x0 + 16} ${top + PANEL_H / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(p.yLabel)}</text>`,
  );
  return { sx, sy, svg };
}

function line(
  points: readonly { x: number; y: number; hollow?: boolean }[],
  color: string,
  dash = '',
  withDots = true,
): string {
  if (points.length === 0) return '';
  const d = points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  const dots = withDots
    ? points.map(
        (p) =>
          `<circle cx="${p.x.toFixed(1)}" cy="${p.y.toFixed(1)}" r="${p.hollow === true ? 4.5 : 3.5}" ${p.hollow === true ? `fill="white" stroke="${color}" stroke-width="2"` : `fill="${color}"`}/>`,
      )
    : [];
  return [
    `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash === '' ? '' : ` stroke-dasharray="${dash}"`}/>`,
    ...dots,
  ].join('\n');
}

export function saturationSvg(
  series: readonly PlotSeries[],
  opts: { title: string; throughputTarget?: number; latencyTargetMs?: number },
): string {
  const offered = series.flatMap((s) => s.points.map((p) => p.offered));
  const achieved = series.flatMap((s) => s.points.map((p) => p.achieved)).filter((v) => v > 0);
  const p99s = series.flatMap((s) => s.points.flatMap((p) => (p.p99 === null ? [] : [Math.max(p.p99, 1)])));
  const lo = Math.min(...offered, ...achieved, 1000) / 1.5;
  const hi = Math.max(...offered, ...achieved, opts.throughputTarget ?? 0) * 1.5;
  const latLo = Math.min(...p99s, opts.latencyTargetMs ?? Infinity, 10) / 2;
  const latHi = Math.max(...p99s, opts.latencyTargetMs ?? 0, 100) * 2;
  const legend = legendItems(series);
  const height = HEIGHT + Math.max(0, ...legend.map((i) => i.row)) * LEGEND_ROW_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="13" fill="#444">${esc(opts.title)}</text>`,
  ];
  // Left: throughput.
  const t = axes({
    x0: 0,
    title: 'Throughput',
    xLabel: 'offered (events/s)',
    yLabel: 'achieved (committed outputs/s)',
    xRange: [lo, hi],
    yRange: [lo, hi],
    xFmt: formatRate,
    yFmt: formatRate,
  });
  out.push(...t.svg);
  out.push(
    line(
      [
        { x: t.sx(lo), y: t.sy(lo) },
        { x: t.sx(hi), y: t.sy(hi) },
      ],
      '#999',
      '4 4',
      false,
    ),
  );
  if (opts.throughputTarget !== undefined) {
    const y = t.sy(opts.throughputTarget);
    out.push(
      `<line x1="${M.left}" y1="${y}" x2="${M.left + PANEL_W}" y2="${y}" stroke="#c0392b" stroke-dasharray="2 3"/>`,
      `<text x="${M.left + 6}" y="${y - 5}" font-size="11" fill="#c0392b">target ${formatRate(opts.throughputTarget)}/s</text>`,
    );
  }
  for (const s of series) {
    out.push(
      line(
        s.points.map((p) => ({
          x: t.sx(p.offered),
          y: t.sy(Math.max(p.achieved, lo)),
          hollow: p.saturated === true,
        })),
        s.color,
      ),
    );
  }
  // Right: p99 latency.
  const x0 = M.left + PANEL_W + M.right;
  const l = axes({
    x0,
    title: 'End-to-end latency p99',
    xLabel: 'offered (events/s)',
    yLabel: 'p99 (produce → read_committed)',
    xRange: [lo, hi],
    yRange: [latLo, latHi],
    xFmt: formatRate,
    yFmt: formatMs,
  });
  out.push(...l.svg);
  if (opts.latencyTargetMs !== undefined) {
    const y = l.sy(opts.latencyTargetMs);
    out.push(
      `<line x1="${x0 + M.left}" y1="${y}" x2="${x0 + M.left + PANEL_W}" y2="${y}" stroke="#c0392b" stroke-dasharray="2 3"/>`,
      `<text x="${x0 + M.left + 6}" y="${y - 5}" font-size="11" fill="#c0392b">target ${formatMs(opts.latencyTargetMs)}</text>`,
    );
  }
  for (const s of series) {
    out.push(
      line(
        s.points.flatMap((p) =>
          p.p99 === null
            ? []
            : [{ x: l.sx(p.offered), y: l.sy(Math.max(p.p99, 1)), hollow: p.saturated === true }],
        ),
        s.color,
      ),
    );
  }
  // Legend.
  for (const item of legend) {
    const lx = item.x;
    const ly = M.top + PANEL_H + 62 + item.row * LEGEND_ROW_H;
    out.push(
      item.kind === 'marker'
        ? `<circle cx="${lx + 12}" cy="${ly}" r="4.5" fill="white" stroke="#555" stroke-width="2"/>`
        : `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${item.color}" stroke-width="2"${item.kind === 'diagonal' ? ' stroke-dasharray="4 4"' : ''}/>`,
      `<text x="${lx + 30}" y="${ly + 4}" font-size="12">${esc(item.name)}</text>`,
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

interface LegendItem {
  readonly kind: 'series' | 'diagonal' | 'marker';
  readonly name: string;
  readonly color: string;
  readonly x: number;
  readonly row: number;
}

/** The legend left to right, starting a new row where the next item would leave the picture. */
function legendItems(series: readonly PlotSeries[]): LegendItem[] {
  const items: Omit<LegendItem, 'x' | 'row'>[] = [
    ...series.map((s) => ({ kind: 'series' as const, name: s.name, color: s.color })),
    { kind: 'diagonal', name: 'achieved = offered', color: '#999' },
    { kind: 'marker', name: 'saturated step (did not keep up)', color: '#555' },
  ];
  const out: LegendItem[] = [];
  let x = M.left;
  let row = 0;
  for (const item of items) {
    const w = 30 + item.name.length * CHAR_W;
    if (x > M.left && x + w > WIDTH - M.right) {
      x = M.left;
      row++;
    }
    out.push({ ...item, x, row });
    x += w + 30;
  }
  return out;
}
