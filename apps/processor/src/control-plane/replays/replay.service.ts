import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  DEDUP_HEADERS,
  type DlqSelectionValue,
  type Principal,
  type ReplayAction,
  type ReplayPreview,
  type ReplayRun,
  type ReplayStatus,
  type RouteInput,
} from '@dedup/contracts';
import { KafkaAdapter, type OutputRecord } from '../../adapters/kafka/kafka.adapter';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { ActionLogService } from '../actions/action-log.service';
import { ControlPlaneError } from '../control-plane-error';
import { DlqRepository } from '../dlq/dlq.repository';
import { ReplayRepository, type ReplayRecord } from './replay.repository';

export class ReplayNotFoundError extends ControlPlaneError {
  constructor(message: string) {
    super('not_found', message);
  }
}
export class ReplayConflictError extends ControlPlaneError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** How long a preview's token starts exactly its set. */
const PREVIEW_TTL_MS = 15 * 60_000;
const SAMPLE_SIZE = 5;

const TRANSITIONS: Record<ReplayAction, { from: readonly ReplayStatus[]; to: ReplayStatus }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

/**
 * DLQ replay (docs/adr/0009): a preview fixes the exact set and returns a token; the start moves the
 * set to `replaying` (409 when any record changed since); a publisher on every instance sends the
 * records back into the input topic at the run's rate cap; the pipeline records each one's first
 * decision on its item; a run whose every item is decided completes.
 */
@Injectable()
export class ReplayService {
  private readonly log: JsonLogger;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Per run: records this instance may still send (a token bucket refilled at the run's cap). */
  private readonly budgets = new Map<string, { tokens: number; at: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ReplayRepository) private readonly repository: ReplayRepository,
    @Inject(DlqRepository) private readonly dlq: DlqRepository,
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(ActionLogService) private readonly actions: ActionLogService,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'replay-publisher', pipeline: config.pipeline.name });
  }

  private get pipeline(): string {
    return this.config.pipeline.name;
  }

  async preview(body: RouteInput<'replays.preview'>['body'], by: Principal): Promise<ReplayPreview> {
    const token = randomBytes(24).toString('base64url');
    const maxPerSecond = body.maxPerSecond ?? this.config.dlq.replayDefaultMaxPerSecond;
    const expiresAt = new Date(Date.now() + PREVIEW_TTL_MS);
    const selection = body.selection;
    const described = await this.describe(selection);
    const { id, total, scope } = await this.repository.inTransaction((m) =>
      this.repository.createPreview(m, {
        pipeline: this.pipeline,
        token,
        scope: (n) => `${n} ${n === 1 ? 'record' : 'records'} ${described}`,
        selection,
        maxPerSecond,
        reason: body.reason ?? null,
        createdBy: by.id,
        expiresAt,
      }),
    );
    return {
      token,
      count: total,
      sample: await this.repository.sample(id, SAMPLE_SIZE),
      scope,
      maxPerSecond,
      estimatedSeconds: Math.ceil(total / maxPerSecond),
      expiresAt: expiresAt.toISOString(),
    };
  }

  async start(token: string, by: Principal): Promise<ReplayRun> {
    const runId = await this.repository.inTransaction(async (m) => {
      const run = await this.repository.lockByToken(m, this.pipeline, token);
      if (run === null) throw new ReplayNotFoundError('no replay preview has this token: preview again');
      if (run.status !== 'preview') {
        throw new ReplayConflictError(`this preview was already started as replay run ${run.id}`);
      }
      if (run.expiresAt.getTime() < Date.now()) {
        throw new ReplayConflictError('this preview expired (they last 15 minutes): preview again');
      }
      if (run.total === 0)
        throw new ReplayConflictError('this preview selected no records: nothing to replay');
      const claimed = await this.repository.claimRecords(m, run.id, by.id);
      if (claimed !== run.total) {
        // Rolls the claim back: the run replays exactly the previewed set or nothing.
        throw new ReplayConflictError(
          `${run.total - claimed} of the ${run.total} previewed records are no longer open (replayed, ` +
            'discarded or in another run since the preview): preview again',
        );
      }
      await this.repository.markStarted(m, run.id, by.id);
      await this.actions.inTransaction(m, {
        systemAction: 'replays.start',
        target: `replay/${run.id}`,
        details: { replay: run.id, records: run.total },
      });
      return run.id;
    });
    this.actions.committed();
    return this.get(runId);
  }

  list(): Promise<ReplayRun[]> {
    return this.repository.list(this.pipeline);
  }

  async get(id: string): Promise<ReplayRun> {
    const run = await this.repository.get(this.pipeline, id);
    if (run === null || run.status === 'preview') throw new ReplayNotFoundError(`no replay run ${id}`);
    return run;
  }

  async act(id: string, action: ReplayAction): Promise<ReplayRun> {
    const { from, to } = TRANSITIONS[action];
    const moved = await this.repository.inTransaction(async (m) => {
      if (!(await this.repository.transition(m, this.pipeline, id, from, to))) return false;
      const released = to === 'cancelled' ? await this.repository.releaseUnpublished(m, id) : 0;
      await this.actions.inTransaction(m, {
        systemAction: `replays.${action}`,
        target: `replay/${id}`,
        details: to === 'cancelled' ? { released } : {},
      });
      return true;
    });
    if (!moved) {
      const run = await this.get(id);
      throw new ReplayConflictError(`replay run ${id} is ${run.status}: cannot ${action} it`);
    }
    this.actions.committed();
    return this.get(id);
  }

  /** The selection in words, for the preview's scope and the confirmation. */
  private async describe(selection: DlqSelectionValue): Promise<string> {
    if ('ids' in selection) return 'listed by id (open or quarantined)';
    const f = selection.filter;
    const parts: string[] = [f.status ?? 'open'];
    if (f.fingerprint !== undefined) {
      const cause = await this.dlq.causeOf(this.pipeline, f.fingerprint);
      parts.push(`of cause "${cause ?? f.fingerprint}"`);
    }
    if (f.errorType !== undefined) parts.push(`of error type ${f.errorType}`);
    if (f.sourceTopic !== undefined) parts.push(`from topic ${f.sourceTopic}`);
    if (f.sourcePartition !== undefined) parts.push(`partition ${f.sourcePartition}`);
    if (f.from !== undefined) parts.push(`that last failed at or after ${f.from}`);
    if (f.to !== undefined) parts.push(`before ${f.to}`);
    if (f.q !== undefined) parts.push(`whose value contains "${f.q}"`);
    return parts.join(' ');
  }

  // --- the publisher ------------------------------------------------------------------------------

  /** The publisher loop, on every instance (main.ts). */
  startPublisher(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.ticking = this.tick()
        .catch((error: unknown) => this.log.write('warn', 'replay tick failed', { error: String(error) }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.config.dlq.replayPollIntervalMs);
        });
    };
    this.timer = setTimeout(tick, this.config.dlq.replayPollIntervalMs);
  }

  async stopPublisher(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
  }

  /** One pass: send what each running run's budget allows, then complete the runs fully decided. */
  async tick(): Promise<void> {
    const runs = await this.repository.running(this.pipeline);
    const now = Date.now();
    for (const run of runs) {
      const budget = this.budgets.get(run.id) ?? { tokens: 0, at: now };
      // At most one second's worth in hand: a paused or slow instance does not burst afterwards.
      budget.tokens = Math.min(
        run.maxPerSecond,
        budget.tokens + ((now - budget.at) / 1000) * run.maxPerSecond,
      );
      budget.at = now;
      this.budgets.set(run.id, budget);
      const n = Math.floor(budget.tokens);
      if (n < 1) continue;
      try {
        budget.tokens -= await this.publish(run.id, n);
      } catch (error) {
        // One run that cannot send (a record over the broker's size limit, an ACL) must not stall the
        // others; it is tried again next tick, and says why in the log meanwhile.
        this.log.write('warn', 'replay send failed', { replay: run.id, error: String(error) });
      }
    }
    for (const id of [...this.budgets.keys()]) if (!runs.some((r) => r.id === id)) this.budgets.delete(id);
    for (const id of await this.repository.finishedRuns(this.pipeline)) {
      await this.repository.inTransaction(async (m) => {
        if (await this.repository.transition(m, this.pipeline, id, ['running', 'paused'], 'completed')) {
          await this.actions.inTransaction(m, {
            systemAction: 'replays.completed',
            target: `replay/${id}`,
            bySystem: true,
          });
        }
      });
      this.log.write('info', 'replay run completed', { replay: id });
    }
    await this.repository.dropStalePreviews(this.pipeline);
    const active = await this.repository.countActive(this.pipeline);
    this.metrics.setReplayRuns(active.running, active.paused);
  }

  /**
   * Sends the next `limit` records of a run and marks them sent, in one transaction committed after
   * Kafka acknowledged them: a crash in between sends them again, which the pipeline absorbs (a
   * second copy of a decided item is a duplicate of the first).
   */
  private async publish(runId: string, limit: number): Promise<number> {
    return this.repository.inTransaction(async (m) => {
      const records = await this.repository.claimNext(m, runId, limit);
      if (records.length === 0) return 0;
      await this.kafka.publish(records.map((r) => this.toInput(runId, r)));
      await this.repository.markPublished(
        m,
        runId,
        records.map((r) => r.dlqId),
      );
      return records.length;
    });
  }

  private toInput(runId: string, r: ReplayRecord): OutputRecord {
    return {
      topic: this.config.topics.input,
      key: r.key,
      value: r.value,
      headers: {
        ...r.headers,
        [DEDUP_HEADERS.replayOf]: r.dlqId,
        [DEDUP_HEADERS.replayRun]: runId,
        [DEDUP_HEADERS.replaySource]: `${r.source.topic}/${r.source.partition}/${r.source.offset}`,
      },
    };
  }
}
