// The "Dedup operator / Overview" dashboard (grafana/dashboards/dedup-overview.json), built with the
// Grafana Foundation SDK. Every PromQL expression here is also run against a real Prometheus by
// test/observability/prometheus.system.test.ts (through panelQueries below).

import {
  BigValueGraphMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  HeatmapCellLayout,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Threshold,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  CellValuesBuilder,
  PanelBuilder as HeatmapPanelBuilder,
  RowsHeatmapOptionsBuilder,
  YAxisConfigBuilder,
} from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { THRESHOLDS } from './alerts.ts';
import { DATASOURCE, JOB_SELECTOR, METRIC } from './catalogue.ts';

export const OVERVIEW_UID = 'dedup-overview';

/** Grafana's rate window: at least four scrape intervals (the datasource's timeInterval). */
export const RATE_INTERVAL = '$__rate_interval';
const R = RATE_INTERVAL;

const events = METRIC.eventsTotal;
const outcomeRatio = (outcome: string, by: string) =>
  `sum${by}(rate(${events}{outcome="${outcome}"}[${R}])) / sum${by}(rate(${events}[${R}]))`;
const quantile = (q: number, histogram: string) =>
  `histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket[${R}])))`;

function query(refId: string, expr: string, legend: string): DataqueryBuilder {
  return new DataqueryBuilder().refId(refId).expr(expr).legendFormat(legend).datasource(DATASOURCE).range();
}

function steps(...list: Threshold[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(list);
}
const green = (): Threshold => ({ value: null, color: 'green' });
const at = (value: number, color: string): Threshold => ({ value, color });

function timeseries(title: string, description: string, unit: string, w: number): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .min(0)
    .span(w)
    .height(8)
    .fillOpacity(10)
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom),
    );
}

/** A dashed threshold line at the alert threshold, so a panel shows how close the alert is. */
function withAlertLine(panel: TimeseriesPanelBuilder, threshold: number): TimeseriesPanelBuilder {
  return panel
    .thresholds(steps(green(), at(threshold, 'red')))
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
}

function stat(title: string, description: string, unit: string, expr: string): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .unit(unit)
    .span(4)
    .height(4)
    .graphMode(BigValueGraphMode.Area)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .withTarget(query('A', expr, ''));
}

type AnyPanelBuilder = TimeseriesPanelBuilder | StatPanelBuilder | HeatmapPanelBuilder;

function overviewRow(): AnyPanelBuilder[] {
  return [
    stat(
      'Processors up',
      'Processor instances Prometheus scrapes successfully.',
      'short',
      `sum(up{${JOB_SELECTOR}})`,
    ).thresholds(steps({ value: null, color: 'red' }, at(1, 'green'))),
    stat(
      'Events decided',
      'Input records decided per second, all outcomes.',
      'suffix: ev/s',
      `sum(rate(${events}[${R}]))`,
    ).thresholds(steps(green())),
    stat(
      'Duplicate ratio',
      'Share of input records decided duplicate.',
      'percentunit',
      outcomeRatio('duplicate', ''),
    ).thresholds(steps(green())),
    stat(
      'Late ratio',
      `Share of input records decided late. Alert above ${THRESHOLDS.lateRatio * 100} %.`,
      'percentunit',
      outcomeRatio('late', ''),
    ).thresholds(steps(green(), at(THRESHOLDS.lateRatio, 'red'))),
    stat(
      'Consumer lag',
      'Records waiting in all input partitions.',
      'short',
      `sum(max by (topic, partition) (${METRIC.consumerLagRecords}))`,
    ).thresholds(steps(green(), at(THRESHOLDS.consumerLagRecords, 'red'))),
    stat(
      'Oldest open DLQ record',
      `Age of the oldest open dead-letter record. SLA ${THRESHOLDS.dlqOldestOpenSeconds / 3600} h.`,
      's',
      `max without (instance, error_type) (${METRIC.dlqOldestOpenAgeSeconds})`,
    ).thresholds(
      steps(
        green(),
        at(THRESHOLDS.dlqOldestOpenSeconds / 2, 'orange'),
        at(THRESHOLDS.dlqOldestOpenSeconds, 'red'),
      ),
    ),
  ];
}

function outcomesRow(): AnyPanelBuilder[] {
  return [
    timeseries(
      'Throughput',
      'Input records decided per second, all outcomes, in total and per processor instance.',
      'suffix: ev/s',
      6,
    ).targets([
      query('A', `sum(rate(${events}[${R}]))`, 'total'),
      query('B', `sum by (instance) (rate(${events}[${R}]))`, '{{instance}}'),
    ]),
    timeseries(
      'Events by outcome',
      'Input records decided per second, by outcome (counted when the Kafka transaction commits).',
      'suffix: ev/s',
      6,
    )
      .stacking(new StackingConfigBuilder().mode(StackingMode.Normal))
      .withTarget(query('A', `sum by (outcome) (rate(${events}[${R}]))`, '{{outcome}}')),
    timeseries(
      'Duplicate ratio',
      'Share of records decided duplicate, per input topic. The spike alert compares 5 m with 6 h.',
      'percentunit',
      6,
    ).withTarget(query('A', outcomeRatio('duplicate', ' by (topic) '), '{{topic}}')),
    withAlertLine(
      timeseries(
        'Late ratio',
        `Share of records decided late, per input topic. Alert above ${THRESHOLDS.lateRatio * 100} %.`,
        'percentunit',
        6,
      ),
      THRESHOLDS.lateRatio,
    ).withTarget(query('A', outcomeRatio('late', ' by (topic) '), '{{topic}}')),
  ];
}

function eventTimeRow(): AnyPanelBuilder[] {
  return [
    withAlertLine(
      timeseries(
        'Watermark lag',
        'Wall clock minus the watermark: per partition, and for the pipeline (the minimum over active ' +
          'partitions). A partition that stops sending keeps growing here.',
        's',
        12,
      ),
      THRESHOLDS.watermarkLagSeconds,
    ).targets([
      query('A', `max by (topic, partition) (${METRIC.watermarkLagSeconds})`, '{{topic}} p{{partition}}'),
      query('B', `time() - max by (topic) (${METRIC.watermarkSeconds})`, '{{topic}} pipeline'),
    ]),
    timeseries(
      'Late events',
      'Records decided late per second, per input topic: beyond the allowed lateness, sent to the ' +
        'late topic instead of the output (the Late ratio panel is their share).',
      'suffix: ev/s',
      12,
    ).withTarget(query('A', `sum by (topic) (rate(${events}{outcome="late"}[${R}]))`, '{{topic}}')),
    new HeatmapPanelBuilder()
      .title('Lateness distribution')
      .description('How far behind the pipeline watermark valid events arrived (0 when ahead of it).')
      .datasource(DATASOURCE)
      .span(12)
      .height(8)
      .calculate(false)
      .rowsFrame(new RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Le))
      .yAxis(new YAxisConfigBuilder().unit('s'))
      .cellValues(new CellValuesBuilder().unit('short'))
      .withTarget(
        query('A', `sum by (le) (increase(${METRIC.eventLatenessSeconds}_bucket[${R}]))`, '{{le}}').format(
          PromQueryFormat.Heatmap,
        ),
      ),
    timeseries(
      'Lateness percentiles',
      'Quantiles of the lateness histogram (buckets 0.1 s to 1 h). Events ahead of the watermark count ' +
        "as 0 here; the console's Lateness page takes its percentiles over the events behind it only.",
      's',
      12,
    ).targets([
      query('A', quantile(0.5, METRIC.eventLatenessSeconds), 'p50'),
      query('B', quantile(0.9, METRIC.eventLatenessSeconds), 'p90'),
      query('C', quantile(0.99, METRIC.eventLatenessSeconds), 'p99'),
      query('D', quantile(0.999, METRIC.eventLatenessSeconds), 'p99.9'),
    ]),
  ];
}

function backlogRow(): AnyPanelBuilder[] {
  return [
    withAlertLine(
      timeseries(
        'Consumer lag per partition',
        'Records in each input partition after the last committed batch.',
        'short',
        6,
      ),
      THRESHOLDS.consumerLagRecords,
    ).withTarget(
      query('A', `max by (topic, partition) (${METRIC.consumerLagRecords})`, '{{topic}} p{{partition}}'),
    ),
    timeseries(
      'Open DLQ records',
      `Open dead-letter records, and their growth over the last hour (alert above ` +
        `${THRESHOLDS.dlqGrowthPerHour}).`,
      'short',
      6,
    ).targets([
      query('A', `sum without (error_type) (max without (instance) (${METRIC.dlqOpenRecords}))`, 'open'),
      query(
        'B',
        `sum without (error_type) (max without (instance) (delta(${METRIC.dlqOpenRecords}[1h])))`,
        'growth over 1 h',
      ),
    ]),
    withAlertLine(
      timeseries(
        'Oldest open DLQ record',
        `Age of the oldest open dead-letter record, by error type. Alert above the ` +
          `${THRESHOLDS.dlqOldestOpenSeconds / 3600} h triage SLA.`,
        's',
        6,
      ),
      THRESHOLDS.dlqOldestOpenSeconds,
    ).withTarget(query('A', `max without (instance) (${METRIC.dlqOldestOpenAgeSeconds})`, '{{error_type}}')),
    timeseries(
      'Open DLQ records by error type',
      "Which cause fills the DLQ; the console's Dead letters page groups them by message (docs/dlq.md).",
      'short',
      6,
    ).withTarget(query('A', `max without (instance) (${METRIC.dlqOpenRecords})`, '{{error_type}}')),
    timeseries(
      'DLQ replay',
      'Replayed records by the outcome of their first decision (per second), and replay runs under way.',
      'short',
      6,
    ).targets([
      query('A', `sum by (outcome) (rate(${METRIC.dlqReplayedRecordsTotal}[5m]))`, '{{outcome}}/s'),
      query('B', `max without (instance) (${METRIC.dlqReplayRuns})`, 'runs {{status}}'),
    ]),
    timeseries(
      'Dedup state keys',
      'State rows held in Postgres (dedup_claim). Flat or growing without bound: the watermark is stuck.',
      'short',
      6,
    ).withTarget(query('A', `max without (instance) (${METRIC.stateKeys})`, 'keys')),
    timeseries(
      'State cache hit ratio',
      'Records whose key state came from the in-memory cache (decided without locking its row in ' +
        'Postgres). Low after a rebalance or restart, then rising; STATE_CACHE_SIZE sets its size.',
      'percentunit',
      6,
    ).withTarget(
      query(
        'A',
        `sum(rate(${METRIC.stateCacheLookupsTotal}{result="hit"}[${R}])) / sum(rate(${METRIC.stateCacheLookupsTotal}[${R}]))`,
        'hit ratio',
      ),
    ),
  ];
}

function backfillRow(): AnyPanelBuilder[] {
  return [
    timeseries(
      'Backfill progress',
      'Records processed over records in the range, per running or paused backfill job (docs/backfills.md). ' +
        'A line that stops rising while its job is running: see the job in the console.',
      'percentunit',
      8,
    ).withTarget(query('A', `max by (backfill) (${METRIC.backfillProgressRatio})`, 'backfill {{backfill}}')),
    timeseries(
      'Backfill records remaining',
      'Records left in the range of each running or paused backfill; the slope is its rate.',
      'short',
      8,
    ).withTarget(
      query('A', `max by (backfill) (${METRIC.backfillRemainingRecords})`, 'backfill {{backfill}}'),
    ),
    timeseries('Backfill jobs by status', 'Backfill jobs of the pipeline, by status.', 'short', 8).withTarget(
      query('A', `max by (status) (${METRIC.backfillJobs})`, '{{status}}'),
    ),
  ];
}

function latencyRow(): AnyPanelBuilder[] {
  return [
    timeseries(
      'Batch duration',
      'Parse, decide, commit Postgres and commit the Kafka transaction, per batch.',
      's',
      8,
    ).targets([
      query('A', quantile(0.5, METRIC.batchDurationSeconds), 'p50'),
      query('B', quantile(0.99, METRIC.batchDurationSeconds), 'p99'),
    ]),
    timeseries(
      'Batch time by stage',
      'Mean time per batch in the Postgres batch transaction and in the Kafka output transaction: which side is slow.',
      's',
      8,
    ).withTarget(
      query(
        'A',
        `sum by (stage) (rate(${METRIC.batchStageSeconds}_sum[${R}])) / sum by (stage) (rate(${METRIC.batchStageSeconds}_count[${R}]))`,
        '{{stage}}',
      ),
    ),
    timeseries('Records per batch', 'Mean and p99 records per consumed batch.', 'short', 8).targets([
      query(
        'A',
        `sum(rate(${METRIC.batchRecords}_sum[${R}])) / sum(rate(${METRIC.batchRecords}_count[${R}]))`,
        'mean',
      ),
      query('B', quantile(0.99, METRIC.batchRecords), 'p99'),
    ]),
    timeseries(
      'End-to-end latency',
      'Record timestamp (producer or broker) to its output committed.',
      's',
      24,
    ).targets([
      query('A', quantile(0.5, METRIC.endToEndLatencySeconds), 'p50'),
      query('B', quantile(0.99, METRIC.endToEndLatencySeconds), 'p99'),
      query('C', quantile(0.999, METRIC.endToEndLatencySeconds), 'p99.9'),
    ]),
  ];
}

const tx = METRIC.kafkaTransactionsTotal;

/** The console's Exactly-once page, as panels (docs/metrics.md, "Exactly-once health"). */
function exactlyOnceRow(): AnyPanelBuilder[] {
  return [
    timeseries(
      'Kafka transactions',
      'Kafka transactions per second by result: one per batch, and one more per retry of an aborted ' +
        'one. An aborted batch is decided again and re-committed; its records never reach read_committed readers.',
      'suffix: tx/s',
      12,
    ).withTarget(query('A', `sum by (result) (rate(${tx}[${R}]))`, '{{result}}')),
    withAlertLine(
      timeseries(
        'Aborted transactions share',
        `Aborted over all Kafka transactions, per processor instance. The abort alert fires above ` +
          `${THRESHOLDS.abortShare * 100} % for 5 minutes (counted against at least ` +
          `${THRESHOLDS.abortShareFloorPerSecond} transaction/s).`,
        'percentunit',
        12,
      ),
      THRESHOLDS.abortShare,
    ).withTarget(
      query(
        'A',
        `sum without (result) (rate(${tx}{result="aborted"}[${R}])) / sum without (result) (rate(${tx}[${R}]))`,
        '{{instance}}',
      ),
    ),
    timeseries(
      'Producer fencing',
      "Fencings per minute of each instance's transactional producers: another member took a partition " +
        '(a few at a deployment or rebalance are zombie fencing at work), or a transaction timed out.',
      'short',
      6,
    ).withTarget(
      query('A', `sum by (instance) (rate(${METRIC.kafkaProducerFencedTotal}[${R}])) * 60`, '{{instance}}'),
    ),
    timeseries(
      'Consumer group joins and restarts',
      'Per instance, per minute: rebalances it took part in (its joins of the consumer group), and ' +
        'Kafka consumers it replaced after kafkajs gave up on one. Joins that keep coming: members ' +
        'keep leaving (missed heartbeats, crashes, refused rounds). Restarts that keep coming: the ' +
        'same error each time (the log and /health/ready name it), e.g. a broker refusing a record.',
      'short',
      6,
    )
      .withTarget(
        query(
          'A',
          `sum by (instance) (rate(${METRIC.consumerRebalancesTotal}[${R}])) * 60`,
          '{{instance}} joins',
        ),
      )
      .withTarget(
        query(
          'B',
          `sum by (instance) (rate(${METRIC.consumerRestartsTotal}[${R}])) * 60`,
          '{{instance}} consumer restarts',
        ),
      ),
    timeseries(
      'Output LSO lag',
      'Per output partition: end offset minus last stable offset, probed every 10 s. Records of open ' +
        'transactions, which read_committed readers wait for; briefly above 0 while a batch commits, ' +
        'stuck above 0 when a transaction is never finished (until the transaction timeout).',
      'short',
      6,
    ).withTarget(
      query('A', `max by (topic, partition) (${METRIC.outputLsoLagRecords})`, '{{topic}} p{{partition}}'),
    ),
    timeseries(
      'Time since last commit per partition',
      'Per input partition: seconds since a processor last committed a batch of it. Grows on a ' +
        'partition that receives nothing (fine) or is stuck (see its consumer lag).',
      's',
      6,
    ).withTarget(
      query(
        'A',
        `time() - max by (topic, partition) (${METRIC.partitionLastCommitTimestampSeconds})`,
        '{{topic}} p{{partition}}',
      ),
    ),
  ];
}

function processRow(): AnyPanelBuilder[] {
  return [
    timeseries('Resident memory', 'RSS per processor instance.', 'bytes', 8).withTarget(
      query('A', `${METRIC.processResidentMemoryBytes}{${JOB_SELECTOR}}`, '{{instance}}'),
    ),
    timeseries('CPU', 'CPU time per second per instance (100 % = one core).', 'percentunit', 8).withTarget(
      query('A', `rate(${METRIC.processCpuSecondsTotal}{${JOB_SELECTOR}}[${R}])`, '{{instance}}'),
    ),
    timeseries(
      'Event-loop lag p99',
      'p99 of the Node.js event-loop delay: above ~100 ms the processor is CPU-bound or blocked.',
      's',
      8,
    ).withTarget(query('A', `${METRIC.eventLoopLagP99Seconds}{${JOB_SELECTOR}}`, '{{instance}}')),
  ];
}

const ROWS: readonly (readonly [string, () => AnyPanelBuilder[]])[] = [
  ['Overview', overviewRow],
  ['Outcomes', outcomesRow],
  ['Event time', eventTimeRow],
  ['Backlog, DLQ and state', backlogRow],
  ['Backfills', backfillRow],
  ['Latency', latencyRow],
  ['Exactly-once', exactlyOnceRow],
  ['Process', processRow],
];

// The SDK marks its classic (v1) dashboard model deprecated in favour of dashboardv2, but Grafana
// 12's file provisioning (grafana/provisioning/dashboards) loads classic JSON; v2 needs feature toggles.
// eslint-disable-next-line @typescript-eslint/no-deprecated
export type Dashboard = ReturnType<DashboardBuilder['build']>;

export function buildOverviewDashboard(): Dashboard {
  let id = 0;
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const builder = new DashboardBuilder('Dedup operator / Overview')
    .uid(OVERVIEW_UID)
    .description(
      'Generated from grafana/src/dashboard.ts by `node grafana/src/generate.ts`; edit the source, not this JSON.',
    )
    .tags(['dedup-operator', 'generated'])
    .readonly()
    .timezone('browser')
    .time({ from: 'now-1h', to: 'now' })
    .refresh('10s')
    .tooltip(DashboardCursorSync.Crosshair);
  for (const [title, panels] of ROWS) {
    builder.withRow(new RowBuilder(title).id(++id));
    for (const panel of panels()) builder.withPanel(panel.id(++id));
  }
  return builder.build();
}

export interface PanelQuery {
  readonly panelId: number;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

/** Every PromQL expression of a dashboard, with its panel title (rows included, collapsed or not). */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  const visit = (panel: { id?: number; title?: string; targets?: unknown[]; panels?: unknown[] }) => {
    for (const target of panel.targets ?? []) {
      const { expr, refId } = target as { expr?: unknown; refId?: unknown };
      if (typeof expr === 'string') {
        out.push({
          panelId: panel.id ?? 0,
          panel: panel.title ?? '',
          refId: typeof refId === 'string' ? refId : '',
          expr,
        });
      }
    }
    for (const inner of panel.panels ?? []) visit(inner as typeof panel);
  };
  for (const panel of dashboard.panels ?? []) visit(panel);
  return out;
}
