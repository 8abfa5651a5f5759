import { Inject, Injectable } from '@nestjs/common';
import {
  OUTCOMES,
  isOutcome,
  zeroOutcomeCounts,
  type OverviewPoint,
  type OverviewResponse,
  type RouteInput,
} from '@dedup/contracts';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { END_TO_END_BUCKETS } from '../../platform/metrics/metrics.service';
import { boundedBuckets, histogramQuantile } from '../histogram-quantile';
import { stepIndex, stepStarts, timeWindow } from '../time-window';
import { DlqRepository } from '../dlq/dlq.repository';
import { OverviewRepository, type HealthStepRow } from './overview.repository';

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));

/** A quantile of the summed end-to-end latency buckets, in ms; null without observations. */
export function latencyQuantileMs(counts: readonly string[] | null, q: number): number | null {
  if (counts === null || counts.length === 0) return null;
  const seconds = histogramQuantile(
    boundedBuckets(
      END_TO_END_BUCKETS,
      counts.map((c) => Number(c)),
    ),
    q,
  );
  return seconds === null ? null : Math.round(seconds * 1000 * 10) / 10;
}

/**
 * The live overview (issue 15, part 1): outcome rates per step from the outcome rollups, latency,
 * consumer lag and DLQ depth from the instances' health samples. Never reads the audit.
 */
@Injectable()
export class OverviewService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OverviewRepository) private readonly repository: OverviewRepository,
    @Inject(DlqRepository) private readonly dlq: DlqRepository,
  ) {}

  async overview(query: RouteInput<'overview.get'>['query']): Promise<OverviewResponse> {
    const pipeline = this.config.pipeline.name;
    const window = timeWindow(query.range, Date.now());
    const [outcomes, health, current, dlqOpen] = await Promise.all([
      this.repository.outcomesPerStep(pipeline, window),
      this.repository.healthPerStep(pipeline, window),
      this.repository.currentHealth(pipeline),
      // Read now, like the DLQ page (the samples trail by up to 10 s).
      this.dlq.totals(pipeline, 'open'),
    ]);
    const starts = stepStarts(window);
    const counts = starts.map(() => zeroOutcomeCounts());
    const totals = zeroOutcomeCounts();
    for (const row of outcomes) {
      const step = counts[stepIndex(window, Number(row.step_ms))];
      if (step === undefined || !isOutcome(row.outcome)) continue;
      const n = Number(row.n);
      step[row.outcome] += n;
      totals[row.outcome] += n;
    }
    // Health rows are per minute: a 10-s step shows its minute's figures.
    const byMinute = new Map(health.map((h) => [Number(h.step_ms), h]));
    const healthAt = (t: number): HealthStepRow | undefined =>
      byMinute.get(window.stepMs < 60_000 ? Math.floor(t / 60_000) * 60_000 : t);
    const stepSeconds = window.stepMs / 1000;
    const points: OverviewPoint[] = starts.map((t, i) => {
      const c = counts[i] ?? zeroOutcomeCounts();
      const decided = OUTCOMES.reduce((n, o) => n + c[o], 0);
      const h = healthAt(t);
      return {
        t: new Date(t).toISOString(),
        counts: c,
        throughputPerSecond: decided / stepSeconds,
        duplicateRatio: c.unique + c.duplicate === 0 ? null : c.duplicate / (c.unique + c.duplicate),
        latencyP50Ms: latencyQuantileMs(h?.latency_counts ?? null, 0.5),
        latencyP99Ms: latencyQuantileMs(h?.latency_counts ?? null, 0.99),
        consumerLag: num(h?.consumer_lag ?? null),
        dlqOpen: num(h?.dlq_open ?? null),
        dlqOldestAgeSeconds: h?.dlq_oldest_age_s ?? null,
      };
    });
    return {
      pipeline,
      range: window.range,
      stepSeconds,
      from: new Date(window.fromMs).toISOString(),
      to: new Date(window.toMs).toISOString(),
      points,
      totals,
      current: {
        consumerLag: num(current.consumer_lag),
        dlqOpen: dlqOpen.total,
        dlqOldestAgeSeconds:
          dlqOpen.oldest === null ? null : Math.max(0, (window.toMs - dlqOpen.oldest.getTime()) / 1000),
        sampledAt: current.sampled_at?.toISOString() ?? null,
      },
      generatedAt: new Date(window.toMs).toISOString(),
    };
  }
}
