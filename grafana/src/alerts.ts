// The one list of alerts. Grafana-managed rules (grafana/provisioning/alerting/dedup-alerts.yml), the
// Prometheus rule twins (grafana/prometheus/rules/dedup-alerts.yml), their promtool unit tests and
// the runbook links are all generated from it by generate.ts; docs/observability.md lists the
// thresholds for humans.
//
// Each alert is a *signal* (a PromQL expression that always returns data while the processor is
// scraped) and a separate threshold comparison: the system test queries every signal against a real
// Prometheus, and Grafana evaluates the same signal with a threshold expression on top.

import { METRIC, SCRAPE_JOB } from './catalogue.ts';

export type Severity = 'critical' | 'warning';

/** The console's pages an alert can point at (apps/console/src/app/(console)). */
export type ConsolePage =
  | '/'
  | `/watermarks${string}`
  | `/lateness${string}`
  | `/exactly-once${string}`
  | `/dlq${string}`
  | `/lineage${string}`;
export type Comparison = '>' | '<';

/** How an annotation prints the alert's value (Prometheus/Grafana template functions). */
export type ValueFormat = 'percent' | 'duration' | 'count' | 'factor';

/** The two things an annotation template can refer to; rendered per target (see templates below). */
export interface TemplateVars {
  /** The signal's value, formatted as the alert's `valueFormat`. */
  readonly value: string;
  /** A label of the alerting series. */
  label(name: string): string;
}

export interface AlertDefinition {
  /** Alert name (PascalCase, as Prometheus alerts are named); the runbook is its kebab-case. */
  readonly name: string;
  /** PromQL without the threshold: what the dashboards could plot. */
  readonly signal: string;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** How long the condition must hold before the alert fires. */
  readonly for: string;
  readonly severity: Severity;
  readonly valueFormat: ValueFormat;
  readonly summary: (t: TemplateVars) => string;
  readonly description: (t: TemplateVars) => string;
  /**
   * The console page that explains the alert (path and optional anchor, from the alerting series'
   * labels): the `console_url` annotation, under CONSOLE_BASE_URL. Runbooks start from it.
   */
  readonly consolePage: (t: TemplateVars) => ConsolePage;
  /**
   * Grafana only: what a query that returns nothing means. Every signal but "processor down" is
   * empty only when there is nothing to judge (no traffic yet), which is fine.
   */
  readonly whenNoData: 'ok' | 'alerting';
}

/** The thresholds, named once: the dashboards draw them and docs/observability.md lists them. */
export const THRESHOLDS = {
  /** Duplicate ratio (5 m) as a multiple of its 6 h average... */
  duplicateSpikeFactor: 3,
  /** ...where an average below this counts as this, so a clean topic alerts at 15 % duplicates. */
  duplicateBaselineFloor: 0.05,
  watermarkLagSeconds: 300,
  lateRatio: 0.01,
  dlqGrowthPerHour: 100,
  /** The triage SLA for DLQ records. */
  dlqOldestOpenSeconds: 24 * 3600,
  consumerLagRecords: 10_000,
  /**
   * Aborted share of a processor's Kafka transactions (5 min). Healthy, it is ~0: a transaction
   * aborts only when its batch's Kafka commit fails (a broker hiccup, a fencing at a rebalance), and
   * a deployment or rebalance aborts at most one per partition. One in ten for 5 minutes means
   * batches are being redone all the time: throughput drops and consumer lag grows.
   */
  abortShare: 0.1,
  /**
   * ...of at least this many transactions per second (the share's denominator is never below it),
   * so a single abort at idle traffic (1 of 3 transactions in 5 min) is not a storm: the alert needs
   * at least 0.1 aborts/s (30 in 5 min). A processor that can commit nothing retries each batch 6
   * times with backoff, about 0.4 aborts/s per partition: far above it.
   */
  abortShareFloorPerSecond: 1,
} as const;

/**
 * Where runbooks live, as alert annotations link them. Repository-relative until the repository has
 * a web address: set it to e.g. https://git.example.com/dedup-operator/blob/main/docs/runbooks and
 * regenerate.
 */
export const RUNBOOK_BASE_URL = 'docs/runbooks';

/** The console's address when CONSOLE_URL is not set (`npm start` serves it there). */
export const DEFAULT_CONSOLE_URL = 'http://127.0.0.1:3000';

/**
 * Where the operator console is served, as the `console_url` annotation links it. Read from
 * CONSOLE_URL when generate.ts runs: the committed files use the default, so regenerate with yours
 * for a deployment (`CONSOLE_URL=https://dedup.example.com node grafana/src/generate.ts`).
 */
export function consoleBaseUrl(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const raw = env['CONSOLE_URL']?.trim() || DEFAULT_CONSOLE_URL;
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`CONSOLE_URL must be an http(s) address, not ${raw}`);
  }
  return raw.replace(/\/+$/, '');
}

/** Labels every alert carries, besides `severity`, for routing. */
export const COMMON_LABELS = { service: 'dedup-operator' } as const;

const events = METRIC.eventsTotal;
const ratio = (outcome: string, window: string) =>
  `sum by (topic) (rate(${events}{outcome="${outcome}"}[${window}])) / sum by (topic) (rate(${events}[${window}]))`;
const minutes = (seconds: number) => `${seconds / 60} min`;

export const ALERTS: readonly AlertDefinition[] = [
  {
    name: 'DedupDuplicateRateSpike',
    signal: `(${ratio('duplicate', '5m')}) / clamp_min(${ratio('duplicate', '6h')}, ${THRESHOLDS.duplicateBaselineFloor})`,
    comparison: '>',
    threshold: THRESHOLDS.duplicateSpikeFactor,
    for: '10m',
    severity: 'warning',
    valueFormat: 'factor',
    summary: (t) => `Duplicate ratio on ${t.label('topic')} is ${t.value}x its 6-hour average`,
    description: (t) =>
      `The share of records decided duplicate on input topic ${t.label('topic')} over the last 5 minutes ` +
      `is ${t.value} times its 6-hour average (an average below ${THRESHOLDS.duplicateBaselineFloor * 100} % ` +
      `counts as ${THRESHOLDS.duplicateBaselineFloor * 100} %). Output stays correct (duplicates go to the ` +
      `duplicates topic), but something upstream is re-sending: a producer retry storm, a replay, a reset ` +
      `consumer group.`,
    consolePage: () => '/',
    whenNoData: 'ok',
  },
  {
    name: 'DedupWatermarkLagHigh',
    signal:
      `max by (topic, partition) (${METRIC.watermarkLagSeconds})` +
      ` and on (topic) (sum by (topic) (rate(${events}[10m])) > 0)`,
    comparison: '>',
    threshold: THRESHOLDS.watermarkLagSeconds,
    for: '10m',
    severity: 'warning',
    valueFormat: 'duration',
    summary: (t) =>
      `Watermark of ${t.label('topic')} partition ${t.label('partition')} is ${t.value} behind the wall clock`,
    description: (t) =>
      `Event time on partition ${t.label('partition')} of ${t.label('topic')} trails the wall clock by ` +
      `${t.value} (threshold ${minutes(THRESHOLDS.watermarkLagSeconds)}) while the topic receives events. ` +
      `State expiry waits for the watermark; if this partition holds the pipeline watermark back, late ` +
      `detection waits too. Old data from a producer, a partition that stopped sending, or a processor ` +
      `that is behind.`,
    consolePage: (t) => `/watermarks#p-${t.label('partition')}`,
    whenNoData: 'ok',
  },
  {
    name: 'DedupLateRateHigh',
    signal: ratio('late', '10m'),
    comparison: '>',
    threshold: THRESHOLDS.lateRatio,
    for: '15m',
    severity: 'warning',
    valueFormat: 'percent',
    summary: (t) => `${t.value} of the events on ${t.label('topic')} are late`,
    description: (t) =>
      `Over the last 10 minutes ${t.value} of the records on ${t.label('topic')} arrived further behind the ` +
      `watermark than the allowed lateness and went to the late topic (threshold ` +
      `${THRESHOLDS.lateRatio * 100} %). Either allowed lateness or out-of-orderness is too small for this ` +
      `traffic, or one producer or partition is far behind the others.`,
    consolePage: () => '/lateness',
    whenNoData: 'ok',
  },
  {
    name: 'DedupDlqGrowing',
    // Every instance reports the pipeline's counts (max over instances), by error type (summed).
    signal: `sum without (error_type) (max without (instance) (delta(${METRIC.dlqOpenRecords}[1h])))`,
    comparison: '>',
    threshold: THRESHOLDS.dlqGrowthPerHour,
    for: '5m',
    severity: 'warning',
    valueFormat: 'count',
    summary: (t) => `Open DLQ records grew by ${t.value} in the last hour`,
    description: (t) =>
      `The number of open dead-letter records grew by ${t.value} over the last hour (threshold ` +
      `${THRESHOLDS.dlqGrowthPerHour}). Records that fail validation (invalid) or processing (failed) ` +
      `arrive faster than they are triaged.`,
    consolePage: () => '/dlq',
    whenNoData: 'ok',
  },
  {
    name: 'DedupDlqOldestOpenTooOld',
    signal: `max without (instance, error_type) (${METRIC.dlqOldestOpenAgeSeconds})`,
    comparison: '>',
    threshold: THRESHOLDS.dlqOldestOpenSeconds,
    for: '5m',
    severity: 'warning',
    valueFormat: 'duration',
    summary: (t) => `The oldest open DLQ record is ${t.value} old`,
    description: (t) =>
      `A dead-letter record has been open for ${t.value}, longer than the triage SLA of ` +
      `${THRESHOLDS.dlqOldestOpenSeconds / 3600} h. Replay it, discard it with a reason, or resolve it.`,
    consolePage: () => '/dlq',
    whenNoData: 'ok',
  },
  {
    name: 'DedupConsumerLagHigh',
    signal: `max by (topic, partition) (${METRIC.consumerLagRecords})`,
    comparison: '>',
    threshold: THRESHOLDS.consumerLagRecords,
    for: '10m',
    severity: 'warning',
    valueFormat: 'count',
    summary: (t) =>
      `Consumer lag on ${t.label('topic')} partition ${t.label('partition')} is ${t.value} records`,
    description: (t) =>
      `${t.value} records are waiting on partition ${t.label('partition')} of ${t.label('topic')} ` +
      `(threshold ${THRESHOLDS.consumerLagRecords} for 10 minutes): the processor is not keeping up ` +
      `with this partition, or not consuming it at all.`,
    consolePage: (t) => `/watermarks#p-${t.label('partition')}`,
    whenNoData: 'ok',
  },
  {
    name: 'DedupTransactionAborts',
    // Per processor: each counts its own transactions (one per batch and per retry of a batch).
    signal:
      `sum without (result) (rate(${METRIC.kafkaTransactionsTotal}{result="aborted"}[5m]))` +
      ` / clamp_min(sum without (result) (rate(${METRIC.kafkaTransactionsTotal}[5m])), ${THRESHOLDS.abortShareFloorPerSecond})`,
    comparison: '>',
    threshold: THRESHOLDS.abortShare,
    for: '5m',
    severity: 'warning',
    valueFormat: 'percent',
    summary: (t) => `${t.value} of the Kafka transactions of ${t.label('instance')} abort`,
    description: (t) =>
      `Over the last 5 minutes ${t.value} of the Kafka transactions of processor ${t.label('instance')} ` +
      `were aborted (threshold ${THRESHOLDS.abortShare * 100} %, of at least ` +
      `${THRESHOLDS.abortShareFloorPerSecond} transaction/s). Output stays exactly-once (an aborted ` +
      `batch is decided again and re-committed), but batches are redone instead of moving on: ` +
      `throughput drops and consumer lag grows. Brokers failing transactional requests, producers ` +
      `fenced again and again (a rebalance loop, two processors with the same consumer group on ` +
      `different configurations), or transactions outliving their timeout.`,
    consolePage: () => '/exactly-once',
    whenNoData: 'ok',
  },
  {
    name: 'DedupProcessorDown',
    // `or on() vector(0)`: no target at all (all pods gone, service discovery empty) is down too.
    signal: `up{job="${SCRAPE_JOB}"} or on () vector(0)`,
    comparison: '<',
    threshold: 1,
    for: '2m',
    severity: 'critical',
    valueFormat: 'count',
    summary: () => `A dedup processor is down or not scraped`,
    description: (t) =>
      `up{job="${SCRAPE_JOB}",instance="${t.label('instance')}"} has been ${t.value} for 2 minutes: ` +
      `Prometheus cannot scrape this processor (an empty instance means no processor target is ` +
      `discovered at all). Its partitions move to the other members of the consumer group; with none ` +
      `left, nothing is deduplicated and consumer lag grows.`,
    consolePage: () => '/',
    whenNoData: 'alerting',
  },
];

/** The full Prometheus condition: the signal compared with the threshold. */
export function alertExpr(alert: AlertDefinition): string {
  return `(${alert.signal}) ${alert.comparison} ${alert.threshold}`;
}

/** DedupDlqGrowing -> dedup-dlq-growing: the runbook's file name and the Grafana rule uid. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Repository path of an alert's runbook. */
export function runbookPath(alert: AlertDefinition): string {
  return `docs/runbooks/${kebabCase(alert.name)}.md`;
}

export function runbookUrl(alert: AlertDefinition): string {
  return `${RUNBOOK_BASE_URL}/${kebabCase(alert.name)}.md`;
}

export function alertLabels(alert: AlertDefinition): Record<string, string> {
  return { severity: alert.severity, ...COMMON_LABELS };
}

/** Where a template is rendered: the value is spelled differently in each. */
export type TemplateTarget = 'prometheus' | 'grafana';

/** Grafana's reference to the reduced value: refId B of the rule (grafana-alerting.ts). */
export const GRAFANA_VALUE_REF = 'B';

function valueTemplate(format: ValueFormat, target: TemplateTarget): string {
  const value = target === 'prometheus' ? '$value' : `$values.${GRAFANA_VALUE_REF}.Value`;
  switch (format) {
    case 'percent':
      return `{{ ${value} | humanizePercentage }}`;
    case 'duration':
      return `{{ ${value} | humanizeDuration }}`;
    case 'count':
      return `{{ ${value} | humanize }}`;
    case 'factor':
      return `{{ printf "%.1f" ${value} }}`;
  }
}

/** summary, description, runbook_url and console_url as templates for Prometheus or Grafana. */
export function alertAnnotations(alert: AlertDefinition, target: TemplateTarget): Record<string, string> {
  const vars: TemplateVars = {
    value: valueTemplate(alert.valueFormat, target),
    label: (name) => `{{ $labels.${name} }}`,
  };
  return annotations(alert, vars);
}

/**
 * The annotations as Prometheus renders them for a firing series (for promtool's expectations): the
 * series' labels, a missing label as the empty string, and the value as the test case spells it.
 */
export function renderedAnnotations(
  alert: AlertDefinition,
  labels: Readonly<Record<string, string>>,
  renderedValue: string,
): Record<string, string> {
  return annotations(alert, { value: renderedValue, label: (name) => labels[name] ?? '' });
}

function annotations(alert: AlertDefinition, vars: TemplateVars): Record<string, string> {
  return {
    summary: alert.summary(vars),
    description: alert.description(vars),
    runbook_url: runbookUrl(alert),
    console_url: `${consoleBaseUrl()}${alert.consolePage(vars)}`,
  };
}
