// Per-instance figures of a step whose system under test ran several processor instances in one
// consumer group (bench.ts --instances), and their table.
import type { StepResult } from './report.ts';
import { formatMs, formatRate } from './svg.ts';

/** What one of several processor instances did during a step's window. */
export interface InstanceStep {
  readonly instance: number;
  /** Cores over the window, and RSS in MB at its end. */
  readonly cpu: number;
  readonly rss_mb: number;
  /** Records it decided per second (its own dedup_events_total). */
  readonly decided_per_s: number | null;
}

/** A step, with the per-instance figures when the system under test ran several instances. */
export type BenchStep = StepResult & { readonly instances?: readonly InstanceStep[] };

const cores = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2));

/** One row per step and instance: its share of the work and of the CPU, beside the step's totals. */
export function instanceTable(steps: readonly BenchStep[], machineCpus: number): string {
  const head = [
    'offered/s',
    'achieved/s',
    'p99',
    'instance',
    'decided/s',
    'CPU',
    'RSS MB',
    'CPU Σ instances',
    'CPU broker',
    'CPU pg',
    'CPU box',
    'status',
  ];
  const rows = steps.flatMap((s) =>
    (s.instances ?? []).map((i) => [
      formatRate(s.offered),
      formatRate(s.achieved),
      s.latency_ms === null ? '–' : formatMs(s.latency_ms.p99),
      String(i.instance),
      i.decided_per_s === null ? '–' : formatRate(i.decided_per_s),
      cores(i.cpu),
      String(i.rss_mb),
      cores(s.cpu['sut']),
      cores(s.cpu['broker']),
      cores(s.cpu['postgres']),
      `${cores(s.machine_cores)}/${machineCpus}`,
      s.status,
    ]),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length), 3));
  const left = new Set([head.length - 1]);
  const cell = (v: string, i: number) =>
    left.has(i) ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0);
  return `${[
    `| ${head.map(cell).join(' | ')} |`,
    `| ${widths.map((w, i) => (left.has(i) ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n')}\n`;
}
