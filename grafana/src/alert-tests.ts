// promtool unit tests for the Prometheus rule twins (generated into
// grafana/prometheus/rules/dedup-alerts.test.yml). Each case feeds synthetic series and says, at
// given evaluation times, which alerts fire with which labels; every alert has a time when it fires
// and a time when it does not. The expected annotations are rendered from the same templates as the
// rules, with the value spelled the way Prometheus prints it, so promtool checks the templates too.

import { METRIC, SCRAPE_JOB } from './catalogue.ts';

export interface InputSeries {
  readonly series: string;
  /** promtool's expanding notation: `0+10x30` is 0, 10, ..., 300 at each interval. */
  readonly values: string;
}

export interface FiringAlert {
  /** Labels of the alerting series (the rule's own labels are added by the generator). */
  readonly labels: Readonly<Record<string, string>>;
  /** `$value` as the annotation prints it (humanize, humanizeDuration, ...). */
  readonly value: string;
}

export interface AlertCheck {
  readonly at: string;
  /** Empty: the alert is not firing (it may be pending) at that time. */
  readonly firing: readonly FiringAlert[];
}

export interface AlertTestCase {
  readonly alert: string;
  readonly interval: string;
  readonly series: readonly InputSeries[];
  readonly checks: readonly AlertCheck[];
}

function series(metric: string, labels: Readonly<Record<string, string>>, values: string): InputSeries {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return { series: `${metric}{${body}}`, values };
}

const job = SCRAPE_JOB;
const p1 = { job, instance: 'processor-1:3001' };
const p2 = { job, instance: 'processor-2:3001' };
const orders = 'orders.raw';

export const ALERT_TESTS: readonly AlertTestCase[] = [
  {
    // 6 h at 5 % duplicates, then 50 %: 0.5 / 0.0875 (the 6 h ratio at 6h30m) = 5.7 times.
    alert: 'DedupDuplicateRateSpike',
    interval: '1m',
    series: [
      series(METRIC.eventsTotal, { ...p1, topic: orders, outcome: 'unique' }, '0+95x360 34250+50x40'),
      series(METRIC.eventsTotal, { ...p1, topic: orders, outcome: 'duplicate' }, '0+5x360 1850+50x40'),
    ],
    checks: [
      { at: '6h', firing: [] },
      // The spike is a few minutes old: pending, not firing yet.
      { at: '6h8m', firing: [] },
      { at: '6h30m', firing: [{ labels: { topic: orders }, value: '5.7' }] },
    ],
  },
  {
    // Partition 0's watermark stops at 20m; partition 1 keeps up. A second, idle topic has a growing
    // lag too but no traffic, so it does not alert.
    alert: 'DedupWatermarkLagHigh',
    interval: '1m',
    series: [
      series(METRIC.watermarkLagSeconds, { ...p1, topic: orders, partition: '0' }, '30x20 90+60x40'),
      series(METRIC.watermarkLagSeconds, { ...p1, topic: orders, partition: '1' }, '30x60'),
      series(METRIC.eventsTotal, { ...p1, topic: orders, outcome: 'unique' }, '0+100x60'),
      series(METRIC.watermarkLagSeconds, { ...p1, topic: 'audit.raw', partition: '0' }, '0+60x60'),
      series(METRIC.eventsTotal, { ...p1, topic: 'audit.raw', outcome: 'unique' }, '500x60'),
    ],
    checks: [
      { at: '20m', firing: [] },
      { at: '40m', firing: [{ labels: { topic: orders, partition: '0' }, value: '20m 30s' }] },
    ],
  },
  {
    // 0.5 % late for 20 minutes, then 20 of 1010 per minute (1.98 %).
    alert: 'DedupLateRateHigh',
    interval: '1m',
    series: [
      series(METRIC.eventsTotal, { ...p1, topic: orders, outcome: 'unique' }, '0+995x20 20890+990x40'),
      series(METRIC.eventsTotal, { ...p1, topic: orders, outcome: 'late' }, '0+5x20 120+20x40'),
    ],
    checks: [
      { at: '19m', firing: [] },
      { at: '45m', firing: [{ labels: { topic: orders }, value: '1.98%' }] },
    ],
  },
  {
    // Steady at 10 open records for an hour, then 3 more every minute (180 per hour). Both instances
    // report the pipeline's count; the alert is one per pipeline, not per instance.
    alert: 'DedupDlqGrowing',
    interval: '1m',
    series: [
      series(METRIC.dlqOpenRecords, p1, '10x60 13+3x60'),
      series(METRIC.dlqOpenRecords, p2, '10x60 13+3x60'),
    ],
    checks: [
      { at: '60m', firing: [] },
      { at: '2h', firing: [{ labels: { job }, value: '180' }] },
    ],
  },
  {
    // A record opened at 1h; the SLA is 24 h.
    alert: 'DedupDlqOldestOpenTooOld',
    interval: '1m',
    series: [series(METRIC.dlqOldestOpenAgeSeconds, p1, '0x60 60+60x1600')],
    checks: [
      { at: '24h', firing: [] },
      { at: '26h', firing: [{ labels: { job }, value: '1d 1h 0m 0s' }] },
    ],
  },
  {
    // Partition 2 stops being consumed: 1000 more records waiting every minute.
    alert: 'DedupConsumerLagHigh',
    interval: '1m',
    series: [
      series(METRIC.consumerLagRecords, { ...p1, topic: orders, partition: '2' }, '0+1000x40'),
      series(METRIC.consumerLagRecords, { ...p1, topic: orders, partition: '0' }, '50x40'),
    ],
    checks: [
      { at: '5m', firing: [] },
      // Above the threshold since 11m, but not yet for 10 minutes.
      { at: '15m', firing: [] },
      { at: '30m', firing: [{ labels: { topic: orders, partition: '2' }, value: '30k' }] },
    ],
  },
  {
    // From 10m, 6 of processor-2's 20 transactions a second abort (a broker failing its transactional
    // requests); processor-1 commits all of its own. Per processor, 30 % against 10 %.
    alert: 'DedupTransactionAborts',
    interval: '1m',
    series: [
      series(METRIC.kafkaTransactionsTotal, { ...p1, result: 'committed' }, '0+1200x40'),
      series(METRIC.kafkaTransactionsTotal, { ...p1, result: 'aborted' }, '0x40'),
      series(METRIC.kafkaTransactionsTotal, { ...p2, result: 'committed' }, '0+1200x10 12840+840x29'),
      series(METRIC.kafkaTransactionsTotal, { ...p2, result: 'aborted' }, '0x10 360+360x29'),
    ],
    checks: [
      { at: '10m', firing: [] },
      // Above the threshold from 11m, not yet for 5 minutes.
      { at: '14m', firing: [] },
      { at: '25m', firing: [{ labels: p2, value: '30%' }] },
    ],
  },
  {
    // Idle traffic: one transaction in six aborts, but that is one abort a minute (0.017/s), below
    // the floor of 1 transaction/s the share is taken of (1.7 %): no storm.
    alert: 'DedupTransactionAborts',
    interval: '1m',
    series: [
      series(METRIC.kafkaTransactionsTotal, { ...p1, result: 'committed' }, '0+5x40'),
      series(METRIC.kafkaTransactionsTotal, { ...p1, result: 'aborted' }, '0+1x40'),
    ],
    checks: [{ at: '30m', firing: [] }],
  },
  {
    // One of two processors stops answering scrapes at 11m.
    alert: 'DedupProcessorDown',
    interval: '1m',
    series: [series('up', p1, '1x30'), series('up', p2, '1x10 0x20')],
    checks: [
      { at: '5m', firing: [] },
      { at: '12m', firing: [] },
      { at: '20m', firing: [{ labels: p2, value: '0' }] },
    ],
  },
  {
    // No processor target at all (service discovery found none): down as well.
    alert: 'DedupProcessorDown',
    interval: '1m',
    series: [series(METRIC.stateKeys, p1, '5x1'), series('up', { job: 'another-job' }, '1x30')],
    checks: [
      { at: '1m', firing: [] },
      { at: '10m', firing: [{ labels: {}, value: '0' }] },
    ],
  },
];
