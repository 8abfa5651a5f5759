import { Inject, Injectable } from '@nestjs/common';
import type { ExactlyOnceResponse, RouteInput } from '@dedup/contracts';
import { OutputStabilityProbe } from '../../data-plane/pipeline/output-stability.probe';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { stepIndex, stepStarts, timeWindow } from '../time-window';
import { ExactlyOnceRepository } from './exactly-once.repository';

/**
 * Exactly-once health (issue 15, part 5): transactions committed and aborted, fencing and
 * rebalances per step from the instances' health samples; the output partitions' last-stable-offset
 * lag from this instance's probe (every 10 s); each input partition's last commit from Postgres.
 */
@Injectable()
export class ExactlyOnceService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ExactlyOnceRepository) private readonly repository: ExactlyOnceRepository,
    @Inject(OutputStabilityProbe) private readonly probe: OutputStabilityProbe,
  ) {}

  async health(query: RouteInput<'exactly-once.get'>['query']): Promise<ExactlyOnceResponse> {
    const pipeline = this.config.pipeline.name;
    const now = Date.now();
    // The health rows are per minute: no finer step.
    const window = timeWindow(query.range, now, 60);
    const [rows, commits] = await Promise.all([
      this.repository.perStep(pipeline, window),
      this.repository.lastCommits(pipeline, this.config.topics.input),
    ]);
    const points = stepStarts(window).map((t) => ({
      t: new Date(t).toISOString(),
      committed: 0,
      aborted: 0,
      fenced: 0,
      rebalances: 0,
    }));
    const totals = { committed: 0, aborted: 0, fenced: 0, rebalances: 0 };
    for (const r of rows) {
      const point = points[stepIndex(window, Number(r.step_ms))];
      if (point === undefined) continue;
      for (const k of ['committed', 'aborted', 'fenced', 'rebalances'] as const) {
        point[k] += Number(r[k]);
        totals[k] += Number(r[k]);
      }
    }
    const stability = this.probe.latest();
    const transactions = totals.committed + totals.aborted;
    return {
      pipeline,
      range: window.range,
      stepSeconds: window.stepMs / 1000,
      from: new Date(window.fromMs).toISOString(),
      to: new Date(now).toISOString(),
      guarantee: this.config.kafka.guarantee,
      points,
      totals,
      abortRatio: transactions === 0 ? null : totals.aborted / transactions,
      outputs: stability.outputs.map((o) => ({ ...o })),
      inputs: commits.map((c) => ({
        partition: c.partition,
        lastCommitAt: c.updated_at.toISOString(),
        secondsSinceCommit: Math.max(0, (now - c.updated_at.getTime()) / 1000),
      })),
      outputsError: stability.error,
      generatedAt: new Date(now).toISOString(),
    };
  }
}
