// Result types of a benchmark run and their text forms (console/markdown tables, ratios, targets).
import { formatMs, formatRate } from './svg.ts';

export type ConfigName = 'exactly-once' | 'at-least-once' | 'passthrough';

/** Every configuration, in the order a default run measures them. */
export const CONFIG_NAMES: readonly ConfigName[] = ['exactly-once', 'at-least-once', 'passthrough'];

/** What each configuration is, for legends and sentences. */
export const CONFIG_LABELS: Readonly<Record<ConfigName, string>> = {
  'exactly-once': 'exactly-once (processor)',
  'at-least-once': 'at-least-once (processor)',
  passthrough: 'pass-through (kafkajs)',
};

export interface StepResult {
  readonly config: ConfigName;
  /** Offered rate asked of the load generator, events/s. */
  readonly offered: number;
  /** What the broker acknowledged to the generator during the measurement window, events/s. */
  readonly sent: number;
  /** Committed outputs/s read by the independent read_committed probe during the window. */
  readonly achieved: number;
  /**
   * The system's own count per second: records decided (the processor's dedup_events_total) or
   * forwarded (the pass-through's counter). Tells a slow probe from a slow system.
   */
  readonly sut_rate: number | null;
  /** The measurement window (epoch ms) and its length. */
  readonly window: { readonly from: number; readonly to: number };
  readonly window_s: number;
  readonly records_measured: number;
  /** Produce → read_committed latency of the records read during the window, ms. */
  readonly latency_ms: { p50: number; p99: number; p999: number; max: number } | null;
  /**
   * The same latency split at the output record's Kafka timestamp (set when the system under test's
   * client built the produce request): produce → published, and published → read committed. Absent
   * in runs from before it was measured.
   */
  readonly latency_split_ms?: {
    readonly to_publish: { p50: number; p99: number; max: number };
    readonly to_read: { p50: number; p99: number; max: number };
  } | null;
  /** Consumer-group lag on the input topic (records) at the window's start and end. */
  readonly lag_start: number;
  readonly lag_end: number;
  /** Seconds until the lag was 0 after the generator stopped; null when it did not drain in time. */
  readonly drain_s: number | null;
  /** Cores used during the window, per process (postgres: the whole process tree). */
  readonly cpu: Readonly<Record<string, number>>;
  /** Machine-wide busy cores, and the part not used by any process of the benchmark. */
  readonly machine_cores: number;
  readonly other_cores: number;
  /** The busiest processes that were not part of the benchmark during the window. */
  readonly other_processes: readonly { readonly command: string; readonly cores: number }[];
  /** MB at the window's end: RSS, postgres: PSS summed over its processes. */
  readonly mem_mb: Readonly<Record<string, number>>;
  /** The processor's own view (the two processor configurations; null for the pass-through). */
  readonly processor: {
    /**
     * Batches committed per second (dedup_kafka_transactions_total): a Kafka transaction each with
     * exactly-once, a publish-then-commit-offsets each with at-least-once.
     */
    readonly transactions_per_s: number;
    readonly mean_batch_records: number;
    readonly mean_batch_ms: number;
    /**
     * Of mean_batch_ms, the mean in the Postgres batch transaction and in the Kafka output transaction
     * (dedup_batch_stage_seconds); absent in runs before it existed.
     */
    readonly mean_postgres_ms?: number;
    readonly mean_kafka_ms?: number;
    /** Postgres WAL written per event decided (pg_stat_wal over the window); absent in older runs. */
    readonly wal_bytes_per_event?: number;
    /** Upper bound of the bucket holding the p99 of dedup_batch_duration_seconds. */
    readonly batch_p99_ms: number | null;
    /** Upper bound of the bucket holding the p99 of dedup_end_to_end_latency_seconds. */
    readonly own_e2e_p99_ms: number | null;
  } | null;
  readonly status: 'ok' | 'saturated' | 'generator-limited' | 'probe-limited';
  readonly why: string;
}

export interface ConfigSummary {
  readonly config: ConfigName;
  /** The highest offered rate it kept up with (throughput followed, lag bounded). */
  readonly knee: number | null;
  /** The first offered rate it did not keep up with, or null when never reached. */
  readonly saturated_at: number | null;
  /** Highest sustained committed outputs/s of any step. */
  readonly capacity: number;
}

export function summarise(config: ConfigName, steps: readonly StepResult[]): ConfigSummary {
  const mine = steps.filter((s) => s.config === config);
  const ok = mine.filter((s) => s.status === 'ok');
  const sat = mine.find((s) => s.status !== 'ok');
  return {
    config,
    knee: ok.length === 0 ? null : Math.max(...ok.map((s) => s.offered)),
    saturated_at: sat?.offered ?? null,
    capacity: Math.max(0, ...mine.map((s) => s.achieved)),
  };
}

const fmtLat = (n: number | undefined) => (n === undefined ? '–' : formatMs(n));
const cores = (n: number | undefined) => (n === undefined ? '–' : n.toFixed(2));

export function stepTable(steps: readonly StepResult[]): string {
  const head = [
    'config',
    'offered/s',
    'sent/s',
    'achieved/s',
    'p50',
    'p99',
    'p99.9',
    'lag end',
    'CPU sut',
    'CPU broker',
    'CPU pg',
    'CPU gen',
    'CPU probe',
    'CPU box',
    'RSS sut MB',
    'status',
  ];
  const rows = steps.map((s) => [
    s.config,
    formatRate(s.offered),
    formatRate(s.sent),
    formatRate(s.achieved),
    fmtLat(s.latency_ms?.p50),
    fmtLat(s.latency_ms?.p99),
    fmtLat(s.latency_ms?.p999),
    String(s.lag_end),
    cores(s.cpu['sut']),
    cores(s.cpu['broker']),
    cores(s.cpu['postgres']),
    cores(s.cpu['generator']),
    cores(s.cpu['probe']),
    `${cores(s.machine_cores)}/2`,
    String(s.mem_mb['sut'] ?? '–'),
    s.status === 'ok' ? 'ok' : `${s.status}: ${s.why}`,
  ]);
  return markdownTable(head, rows, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
}

export function processorTable(steps: readonly StepResult[]): string {
  const rows = steps.flatMap((s) =>
    s.processor === null
      ? []
      : [
          [
            s.config,
            formatRate(s.offered),
            formatRate(s.sut_rate ?? 0),
            s.processor.transactions_per_s.toFixed(1),
            s.processor.mean_batch_records.toFixed(0),
            s.processor.mean_batch_ms.toFixed(1),
            s.processor.mean_postgres_ms?.toFixed(1) ?? '–',
            s.processor.mean_kafka_ms?.toFixed(1) ?? '–',
            s.processor.wal_bytes_per_event === undefined ? '–' : String(s.processor.wal_bytes_per_event),
            s.processor.batch_p99_ms === null ? '–' : `≤ ${formatMs(s.processor.batch_p99_ms)}`,
            s.processor.own_e2e_p99_ms === null ? '–' : `≤ ${formatMs(s.processor.own_e2e_p99_ms)}`,
            fmtLat(s.latency_ms?.p99),
          ],
        ],
  );
  return markdownTable(
    [
      'config',
      'offered/s',
      'decided/s (own counter)',
      // A Kafka transaction per batch with exactly-once, a publish-then-commit with at-least-once.
      'batch commits/s',
      'records/batch',
      'ms/batch',
      'of which Postgres',
      'of which Kafka',
      'WAL bytes/event',
      'batch p99 (histogram)',
      'own e2e p99 (histogram)',
      'probe p99',
    ],
    rows,
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
}

/**
 * CPU per event of each process at each step (cores / decided events per second), in µs, and the
 * processor's RSS: the per-event budget issue 16 sets (processor, Postgres, broker).
 */
/**
 * CPU µs per event a process (`sut`, `postgres`, `broker`, ...) spent at a step: its cores over the
 * rate the processor decided (the achieved rate for the pass-through); null when unknown.
 */
export function usPerEvent(step: StepResult | undefined, proc: string): number | null {
  if (step === undefined) return null;
  const rate = step.sut_rate ?? step.achieved;
  const cores = step.cpu[proc];
  return cores === undefined || rate <= 0 ? null : Math.round((cores / rate) * 1e6);
}

export function perEventTable(steps: readonly StepResult[]): string {
  const us = (s: StepResult, proc: string) => String(usPerEvent(s, proc) ?? '–');
  const rows = steps.map((s) => [
    s.config,
    formatRate(s.offered),
    formatRate(s.sut_rate ?? s.achieved),
    us(s, 'sut'),
    us(s, 'postgres'),
    us(s, 'broker'),
    String(s.mem_mb['sut'] ?? '–'),
  ]);
  return markdownTable(
    [
      'config',
      'offered/s',
      'decided/s',
      'processor µs/event',
      'Postgres µs/event',
      'broker µs/event',
      'RSS MB',
    ],
    rows,
    [1, 2, 3, 4, 5, 6],
  );
}

/** Exactly-once's figures over a baseline's at the same offered rate. */
export interface Ratio {
  /** Achieved (committed outputs/s), exactly-once / baseline. */
  readonly throughput: number;
  /** Probe p99, exactly-once / baseline; null when either has no latency. */
  readonly p99: number | null;
}

export interface StepRatio {
  readonly offered: number;
  /** Over the pass-through: the whole cost of the processor (dedup, Postgres, audit, transactions). */
  readonly eo_pt: Ratio | null;
  /** Over the same processor at-least-once: what the Kafka transactions cost, everything else equal. */
  readonly eo_alo: Ratio | null;
}

const hundredths = (n: number) => Math.round(100 * n) / 100;

function ratio(eos: StepResult, base: StepResult | undefined): Ratio | null {
  if (base === undefined || base.achieved <= 0) return null;
  const p99 =
    eos.latency_ms !== null && base.latency_ms !== null && base.latency_ms.p99 > 0
      ? hundredths(eos.latency_ms.p99 / base.latency_ms.p99)
      : null;
  return { throughput: hundredths(eos.achieved / base.achieved), p99 };
}

const stepAt = (steps: readonly StepResult[], config: ConfigName, offered: number) =>
  steps.find((s) => s.config === config && s.offered === offered);

/** Every exactly-once step that a baseline also ran (each configuration stops at its first saturated step). */
export function ratios(steps: readonly StepResult[]): StepRatio[] {
  const out: StepRatio[] = [];
  for (const eos of steps.filter((s) => s.config === 'exactly-once')) {
    const eoPt = ratio(eos, stepAt(steps, 'passthrough', eos.offered));
    const eoAlo = ratio(eos, stepAt(steps, 'at-least-once', eos.offered));
    if (eoPt === null && eoAlo === null) continue;
    out.push({ offered: eos.offered, eo_pt: eoPt, eo_alo: eoAlo });
  }
  return out;
}

/** The per-step ratios with the figures behind them; a baseline's columns only when it ran. */
export function ratioTable(steps: readonly StepResult[]): string {
  const ran = (c: ConfigName) => steps.some((s) => s.config === c);
  const abbrev: Record<ConfigName, string> = {
    'exactly-once': 'EO',
    'at-least-once': 'ALO',
    passthrough: 'PT',
  };
  const achieved = (c: ConfigName) => (r: StepRatio) => {
    const s = stepAt(steps, c, r.offered);
    return s === undefined ? '–' : formatRate(s.achieved);
  };
  const p99 = (c: ConfigName) => (r: StepRatio) => fmtLat(stepAt(steps, c, r.offered)?.latency_ms?.p99);
  const throughputRatio = (r: Ratio | null) => (r === null ? '–' : r.throughput.toFixed(2));
  const p99Ratio = (r: Ratio | null) => (r === null || r.p99 === null ? '–' : `${r.p99.toFixed(1)}×`);
  const columns: { head: string; cell: (r: StepRatio) => string; shown: boolean }[] = [
    { head: 'offered/s', cell: (r) => formatRate(r.offered), shown: true },
    ...CONFIG_NAMES.map((c) => ({
      head: `${c === 'passthrough' ? 'pass-through' : c}/s`,
      cell: achieved(c),
      shown: ran(c),
    })),
    { head: 'throughput EO/PT', cell: (r) => throughputRatio(r.eo_pt), shown: ran('passthrough') },
    { head: 'throughput EO/ALO', cell: (r) => throughputRatio(r.eo_alo), shown: ran('at-least-once') },
    ...CONFIG_NAMES.map((c) => ({ head: `p99 ${abbrev[c]}`, cell: p99(c), shown: ran(c) })),
    { head: 'p99 EO/PT', cell: (r) => p99Ratio(r.eo_pt), shown: ran('passthrough') },
    { head: 'p99 EO/ALO', cell: (r) => p99Ratio(r.eo_alo), shown: ran('at-least-once') },
  ];
  const shown = columns.filter((c) => c.shown);
  return markdownTable(
    shown.map((c) => c.head),
    ratios(steps).map((r) => shown.map((c) => c.cell(r))),
    shown.map((_, i) => i),
  );
}

function markdownTable(head: readonly string[], rows: readonly string[][], right: readonly number[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length), 3));
  const cell = (v: string, i: number) =>
    right.includes(i) ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0);
  const lines = [
    `| ${head.map(cell).join(' | ')} |`,
    `| ${widths.map((w, i) => (right.includes(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}
