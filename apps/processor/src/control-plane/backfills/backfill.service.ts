import { Inject, Injectable } from '@nestjs/common';
import {
  BACKFILL_STATUSES,
  backfillSideTopics,
  type BackfillAction,
  type BackfillJob,
  type BackfillStatus,
  type createBackfillRequestSchema,
} from '@dedup/contracts';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import { PipelineTopicsRepository } from '../../adapters/postgres/pipeline-topics.repository';
import { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import {
  BackfillRequestError,
  partitionProgress,
  planPartitions,
  summarize,
  type ProgressSummary,
} from './backfill-plan';
import { BackfillRepository, type NewBackfill, type StoredBackfill } from './backfill.repository';
import { BackfillRun, backfillNamespace } from './backfill-run';
import { ControlPlaneError } from '../control-plane-error';

export type ParsedBackfillRequest = z.output<typeof createBackfillRequestSchema>;

export class BackfillNotFoundError extends ControlPlaneError {
  constructor(message: string) {
    super('not_found', message);
  }
}
export class BackfillConflictError extends ControlPlaneError {
  constructor(message: string) {
    super('conflict', message);
  }
}

/** A job that fails to start this many ticks in a row is marked failed (a missing topic, say). */
const MAX_START_FAILURES = 5;
/** Finished jobs' state is dropped again for this long: a run elsewhere may have written late. */
const STATE_DROP_WINDOW_MS = 10 * 60_000;
/** ... at most this often per job. */
const STATE_DROP_REPEAT_MS = 60_000;

const TRANSITIONS: Record<BackfillAction, { from: readonly BackfillStatus[]; to: BackfillStatus }> = {
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  cancel: { from: ['running', 'paused'], to: 'cancelled' },
};

/**
 * Backfills: the control-plane side (plan, create, pause, resume, cancel, report) and a supervisor
 * that every processor instance runs. Each tick it reads the jobs from Postgres, starts a BackfillRun
 * for every running job it does not run yet (the job's consumer group spreads the partitions over
 * the instances), stops runs whose job is no longer running, marks a job completed once every
 * partition's recorded progress reaches the end of its range, and exports progress as metrics.
 * Postgres is the only coordination: an instance that restarts picks its jobs up again.
 */
@Injectable()
export class BackfillService {
  private readonly log: JsonLogger;
  private readonly runs = new Map<string, BackfillRun>();
  /** Runs being stopped, by job: a job's state is dropped, or its run restarted, only after. */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly startFailures = new Map<string, number>();
  /** When this instance last dropped a finished job's state, by job. */
  private readonly droppedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BackfillRepository) private readonly repository: BackfillRepository,
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(MetricsService) private readonly metrics: MetricsService,
    @Inject(PipelineTopicsRepository) private readonly pipelineTopics: PipelineTopicsRepository,
    private readonly logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'backfill-supervisor', pipeline: config.pipeline.name });
  }

  /** What a request would run: the offsets per partition and the record counts. Creates nothing. */
  async preview(request: ParsedBackfillRequest): Promise<BackfillJob> {
    const job = await this.plan(request, null);
    const partitions = job.partitions.map((p) => partitionProgress(p, null));
    const summary = progressFields(summarize(partitions, job.maxEventsPerSecond));
    return {
      ...this.describe(job),
      id: null,
      namespace: null,
      status: 'preview',
      error: null,
      createdAt: null,
      updatedAt: null,
      finishedAt: null,
      partitions,
      ...summary,
    };
  }

  async create(request: ParsedBackfillRequest, actor: string | null): Promise<BackfillJob> {
    const stored = await this.repository.create(await this.plan(request, actor), actor);
    this.log.write('info', 'backfill created', {
      backfill: stored.id,
      actor,
      source_topic: stored.sourceTopic,
      target_topic: stored.targetTopic,
      records: stored.partitions.reduce((n, p) => n + Number(p.end - p.start), 0),
    });
    this.kick();
    return this.report(stored);
  }

  async list(): Promise<BackfillJob[]> {
    const jobs = await this.repository.list(this.config.pipeline.name);
    return Promise.all(jobs.map((j) => this.report(j)));
  }

  async get(id: string): Promise<BackfillJob> {
    const job = await this.repository.get(this.config.pipeline.name, id);
    if (job === null)
      throw new BackfillNotFoundError(`no backfill ${id} in pipeline ${this.config.pipeline.name}`);
    return this.report(job);
  }

  async act(id: string, action: BackfillAction, actor: string | null): Promise<BackfillJob> {
    const { from, to } = TRANSITIONS[action];
    const changed = await this.repository.transition(this.config.pipeline.name, id, from, to, actor);
    if (changed === null) {
      const job = await this.get(id); // 404 when there is no such job
      throw new BackfillConflictError(
        `backfill ${id} is ${job.status}; ${action} applies to a ${from.join(' or ')} backfill`,
      );
    }
    this.log.write('info', `backfill ${action}`, { backfill: id, actor, status: to });
    this.kick();
    return this.report(changed);
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.config.backfill.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops every run (the in-flight batch of each finishes); the jobs stay as they are in Postgres. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    for (const [id, run] of [...this.runs]) this.stopRun(id, run);
    await Promise.allSettled([...this.stopping.values()]);
  }

  /** One supervisor pass now, unless one is under way (the next tick picks up any change). */
  kick(): void {
    if (this.stopped) return;
    this.ticking ??= this.tick()
      .catch((error: unknown) =>
        this.log.write('warn', 'backfill supervisor pass failed', { error: String(error) }),
      )
      .finally(() => {
        this.ticking = undefined;
      });
  }

  /**
   * One supervisor pass. It reports first and never waits for a run to start or stop (joining a
   * group or creating a target topic takes seconds): those go on in the background, tracked here.
   */
  private async tick(): Promise<void> {
    const pipeline = this.config.pipeline.name;
    const live = await this.repository.list(pipeline, ['running', 'paused']);
    const wanted = new Map<string, StoredBackfill>();
    const active: { id: string; progress: number; remainingRecords: number }[] = [];
    for (const job of live) {
      const report = await this.report(job);
      if (job.status === 'running' && report.partitions.every((p) => p.done)) {
        const done = await this.repository.transition(pipeline, job.id, ['running'], 'completed', 'system', {
          processed_records: report.processedRecords,
        });
        if (done !== null) {
          this.log.write('info', 'backfill completed', {
            backfill: job.id,
            records: report.processedRecords,
          });
        }
        continue;
      }
      active.push({
        id: job.id,
        progress: report.progress,
        remainingRecords: report.totalRecords - report.processedRecords,
      });
      if (job.status === 'running') wanted.set(job.id, job);
    }
    const counts = await this.repository.countByStatus(pipeline);
    this.metrics.setBackfills(active, new Map(BACKFILL_STATUSES.map((s) => [s, counts.get(s) ?? 0])));
    for (const [id, run] of [...this.runs]) {
      if (!wanted.has(id)) this.stopRun(id, run);
    }
    for (const [id, job] of wanted) {
      if (!this.runs.has(id) && !this.stopping.has(id) && !this.stopped) this.startRun(job);
    }
    await this.dropFinishedState();
  }

  private startRun(job: StoredBackfill): void {
    const run = new BackfillRun(job, this.config, this.dataSource, this.logger);
    this.runs.set(job.id, run);
    run.start().then(
      () => this.startFailures.delete(job.id),
      async (error: unknown) => {
        if (this.runs.get(job.id) === run) this.runs.delete(job.id);
        await run.stop().catch(() => undefined);
        const failures = (this.startFailures.get(job.id) ?? 0) + 1;
        this.startFailures.set(job.id, failures);
        this.log.write('warn', 'backfill run failed to start', {
          backfill: job.id,
          failures,
          error: String(error),
        });
        if (failures < MAX_START_FAILURES) return;
        this.startFailures.delete(job.id);
        await this.repository
          .transition(this.config.pipeline.name, job.id, ['running'], 'failed', 'system', {
            error: `failed to start ${failures} times: ${String(error)}`,
          })
          .catch((e: unknown) =>
            this.log.write('warn', 'could not mark backfill failed', { error: String(e) }),
          );
      },
    );
  }

  private stopRun(id: string, run: BackfillRun): void {
    this.runs.delete(id);
    const stopping = run
      .stop()
      .catch((error: unknown) =>
        this.log.write('warn', 'backfill run did not stop cleanly', { backfill: id, error: String(error) }),
      )
      .finally(() => this.stopping.delete(id));
    this.stopping.set(id, stopping);
  }

  /**
   * A finished job's claims serve nothing any more (docs/backfills.md, "State"). Dropped once its run
   * here has stopped, and again now and then while another instance's run may still be stopping.
   */
  private async dropFinishedState(): Promise<void> {
    const finished = await this.repository.list(
      this.config.pipeline.name,
      ['completed', 'cancelled', 'failed'],
      20,
    );
    const now = Date.now();
    for (const [id, at] of this.droppedAt) if (now - at > STATE_DROP_WINDOW_MS) this.droppedAt.delete(id);
    for (const job of finished) {
      if (job.finishedAt === null || now - job.finishedAt.getTime() > STATE_DROP_WINDOW_MS) continue;
      if (this.runs.has(job.id) || this.stopping.has(job.id)) continue;
      const dropped = this.droppedAt.get(job.id);
      if (dropped !== undefined && now - dropped < STATE_DROP_REPEAT_MS) continue;
      this.droppedAt.set(job.id, now);
      const claims = await this.repository.dropState(backfillNamespace(this.config, job.id));
      if (claims > 0)
        this.log.write('info', "dropped a finished backfill's state", { backfill: job.id, claims });
    }
  }

  /** The job as the API reports it, with progress from its namespace's recorded offsets. */
  private async report(job: StoredBackfill): Promise<BackfillJob> {
    const namespace = backfillNamespace(this.config, job.id);
    const progress = await this.repository.progress(namespace, job.sourceTopic);
    const partitions = job.partitions.map((p) => partitionProgress(p, progress.get(p.partition) ?? null));
    return {
      ...this.describe(job),
      id: job.id,
      namespace,
      status: job.status,
      error: job.error,
      createdAt: job.createdAt.toISOString(),
      updatedAt: job.updatedAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
      partitions,
      ...progressFields(summarize(partitions, job.status === 'running' ? job.maxEventsPerSecond : null)),
    };
  }

  private describe(job: NewBackfill) {
    return {
      pipeline: job.pipeline,
      sourceTopic: job.sourceTopic,
      targetTopic: job.targetTopic,
      duplicatesTopic: job.duplicatesTopic,
      lateTopic: job.lateTopic,
      range: job.range,
      maxEventsPerSecond: job.maxEventsPerSecond,
      reason: job.reason,
      createdBy: job.createdBy,
    };
  }

  /**
   * Every topic a backfill must not write into, with who uses it: this pipeline's (from the config,
   * so even before it registered), every pipeline's that shares the database (pipeline_topic), and
   * the source and outputs of this pipeline's running and paused backfills.
   */
  private async topicOwners(): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const live = this.config.pipeline.name;
    for (const [role, topic] of Object.entries(this.config.topics)) {
      owners.set(topic, `the ${role} topic of the live pipeline ${live}`);
    }
    for (const t of await this.pipelineTopics.all()) {
      if (!owners.has(t.topic)) owners.set(t.topic, `the ${t.role} topic of pipeline ${t.pipeline}`);
    }
    for (const job of await this.repository.list(live, ['running', 'paused'])) {
      const uses = [
        ['source', job.sourceTopic],
        ['target', job.targetTopic],
        ['duplicates topic', job.duplicatesTopic],
        ['late topic', job.lateTopic],
      ] as const;
      for (const [what, topic] of uses) {
        if (!owners.has(topic)) owners.set(topic, `the ${what} of backfill ${job.id} (${job.status})`);
      }
    }
    return owners;
  }

  /** Checks a request against the topics and resolves its range to offsets. */
  private async plan(request: ParsedBackfillRequest, actor: string | null): Promise<NewBackfill> {
    const topics = this.config.topics;
    const sourceTopic = request.sourceTopic ?? topics.input;
    // A backfill's duplicates and late records go to topics of its own, beside its target: the live
    // duplicates and late topics feed the live pipeline's alerts and consumers (issue 14).
    const { duplicatesTopic, lateTopic } = backfillSideTopics(request);
    const written = [
      ['targetTopic', request.targetTopic],
      ['duplicatesTopic', duplicatesTopic],
      ['lateTopic', lateTopic],
    ] as const;
    const owners = await this.topicOwners();
    for (const [field, topic] of written) {
      if (topic === sourceTopic) {
        throw new BackfillRequestError(`${field} ${topic} is this backfill's source; choose another topic`);
      }
      const owner = owners.get(topic);
      if (owner !== undefined) {
        throw new BackfillRequestError(
          `${field} ${topic} is ${owner}: a backfill never writes into a topic a pipeline or another backfill uses; choose another topic`,
        );
      }
      const twin = written.find(([other, t]) => other !== field && t === topic);
      if (twin !== undefined) {
        throw new BackfillRequestError(
          `${field} and ${twin[0]} are both ${topic}; each needs a topic of its own`,
        );
      }
    }
    const log = await this.kafka.topicOffsets(sourceTopic);
    if (log === null) throw new BackfillRequestError(`source topic ${sourceTopic} does not exist`);
    const range = request.range;
    const resolved =
      range.kind === 'time'
        ? {
            ...(range.from === undefined
              ? {}
              : { atFrom: await this.kafka.offsetsAtTime(sourceTopic, Date.parse(range.from)) }),
            ...(range.to === undefined
              ? {}
              : { atTo: await this.kafka.offsetsAtTime(sourceTopic, Date.parse(range.to)) }),
          }
        : {};
    return {
      pipeline: this.config.pipeline.name,
      sourceTopic,
      targetTopic: request.targetTopic,
      duplicatesTopic,
      lateTopic,
      range,
      maxEventsPerSecond: request.maxEventsPerSecond ?? this.config.backfill.defaultMaxEventsPerSecond,
      reason: request.reason ?? null,
      createdBy: actor,
      partitions: planPartitions(range, log, resolved),
    };
  }
}

/** The summary fields the API reports (`done` is the supervisor's: the status says it). */
function progressFields(s: ProgressSummary) {
  return {
    totalRecords: s.totalRecords,
    processedRecords: s.processedRecords,
    progress: s.progress,
    etaSeconds: s.etaSeconds,
  };
}
