import { Inject, Injectable } from '@nestjs/common';
import type {
  PartitionWatermark,
  PipelineSemantics,
  RouteInput,
  WatermarkHistory,
  WatermarksResponse,
} from '@dedup/contracts';
import { isPartitionActive, partitionWatermark } from '@dedup/core';
import { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { instanceName } from '../../platform/config/instance-name';
import { JsonLogger } from '../../platform/logging/json-logger';
import { stepIndex, stepStarts, timeWindow } from '../time-window';
import { WatermarksRepository, type StoredWatermarks } from './watermarks.repository';

/** Each partition's first and end offset in Kafka; a partition absent from it is unknown there. */
export type EndOffsets = ReadonlyMap<number, { readonly low: bigint; readonly high: bigint }>;

export interface WatermarksViewInput {
  readonly pipeline: string;
  readonly topic: string;
  readonly now: number;
  readonly semantics: Pick<PipelineSemantics, 'maxOutOfOrdernessMs' | 'idleTimeoutMs'>;
  readonly stored: StoredWatermarks;
  /** Null when Kafka could not be asked: offsets and lags are then unknown, the rest still shown. */
  readonly endOffsets: EndOffsets | null;
  /** This instance's name, and whether it consumes a partition now. */
  readonly instance: string;
  readonly isOwned: (partition: number) => boolean;
}

const isoOf = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The answer, as a pure function of what was read: the rules of docs/semantics.md applied at `now`
 * with the engine's own functions (partitionWatermark, isPartitionActive), so the page cannot
 * disagree with the decisions. Every partition Kafka has is listed, with or without rows.
 */
export function watermarksView(input: WatermarksViewInput): Omit<WatermarksResponse, 'history'> {
  const { now, semantics } = input;
  const stored = new Map(input.stored.partitions.map((p) => [p.partition, p]));
  const numbers = new Set([...stored.keys(), ...(input.endOffsets?.keys() ?? [])]);
  const partitions = [...numbers]
    .sort((a, b) => a - b)
    .map((partition): PartitionWatermark => {
      const row = stored.get(partition);
      const maxEventTime = row?.maxEventTime ?? null;
      const lastActivityAt = row?.lastActivityAt ?? null;
      const progress =
        maxEventTime !== null && lastActivityAt !== null ? { partition, maxEventTime, lastActivityAt } : null;
      const watermark = progress === null ? null : partitionWatermark(progress, semantics);
      // Never observed: it takes no part in the pipeline watermark, exactly like an idle partition.
      const idle = progress === null || !isPartitionActive(progress, now, semantics);
      const committed = row?.lastOffset ?? null;
      const offsets = input.endOffsets?.get(partition) ?? null;
      const end = offsets?.high ?? null;
      // Consumer lag: the records after the last decided one that Kafka still has (retention may
      // have deleted some; before any decision the whole log counts).
      const next = committed === null ? 0n : BigInt(committed) + 1n;
      const recordsBehind =
        offsets === null ? null : Number(offsets.high - (next > offsets.low ? next : offsets.low));
      const thisInstance = input.isOwned(partition);
      return {
        partition,
        watermark: isoOf(watermark),
        maxEventTime: isoOf(maxEventTime),
        eventTimeLagMs: watermark === null ? null : now - watermark,
        lastRecordAt: isoOf(lastActivityAt),
        idle,
        idleForMs: idle && lastActivityAt !== null ? now - lastActivityAt : null,
        committedOffset: committed,
        endOffset: end === null ? null : end.toString(),
        recordsBehind: recordsBehind === null ? null : Math.max(0, recordsBehind),
        owner: thisInstance ? { instance: input.instance, thisInstance } : null,
      };
    });
  // The slowest active partition is the one the minimum over active partitions comes from. Ties go
  // to the lowest partition number, so the answer is stable between polls.
  let heldBackBy: PartitionWatermark | null = null;
  for (const p of partitions) {
    if (p.idle || p.watermark === null) continue;
    if (heldBackBy === null || Date.parse(p.watermark) < Date.parse(heldBackBy.watermark ?? ''))
      heldBackBy = p;
  }
  // The pipeline watermark never moves back: once every partition was idle it may have jumped past
  // a partition that then resumed. That one is behind it (its records judged against it), not
  // holding it back; nobody is, until it catches up.
  const pipelineWatermark = input.stored.pipelineWatermark;
  if (
    heldBackBy !== null &&
    pipelineWatermark !== null &&
    Date.parse(heldBackBy.watermark ?? '') < pipelineWatermark
  )
    heldBackBy = null;
  return {
    pipeline: input.pipeline,
    topic: input.topic,
    now: new Date(now).toISOString(),
    maxOutOfOrdernessMs: semantics.maxOutOfOrdernessMs,
    idleTimeoutMs: semantics.idleTimeoutMs,
    pipelineWatermark: isoOf(input.stored.pipelineWatermark),
    heldBackBy: heldBackBy?.partition ?? null,
    partitions,
  };
}

/**
 * The Watermarks page's data (issue 15): the stored watermark and progress rows of the input topic,
 * the end offsets from Kafka, and this instance's assignment. The data plane records no owner of a
 * partition, so only the partitions this instance consumes are named; any other is `owner: null`
 * ("another instance, or none"), and another instance answering names its own instead.
 */
@Injectable()
export class WatermarksService {
  /** Kafka client id, host and pid: enough to find the process among the replicas. */
  private readonly instance: string;
  private readonly log: JsonLogger;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WatermarksRepository) private readonly repository: WatermarksRepository,
    @Inject(KafkaAdapter) private readonly kafka: KafkaAdapter,
    @Inject(JsonLogger) logger: JsonLogger,
  ) {
    this.instance = instanceName(config);
    this.log = logger.child({ component: 'watermarks' });
  }

  async current(query: RouteInput<'watermarks.get'>['query']): Promise<WatermarksResponse> {
    const topic = this.config.topics.input;
    const window = timeWindow(query.range, Date.now(), 60);
    const [stored, endOffsets, history] = await Promise.all([
      this.repository.load(this.config.pipeline.name, topic),
      this.endOffsets(topic),
      this.repository.lagPerStep(
        this.config.pipeline.name,
        topic,
        window,
        this.config.semantics.maxOutOfOrdernessMs,
      ),
    ]);
    const partitions = [...new Set(history.map((h) => h.partition))].sort((a, b) => a - b);
    const points = stepStarts(window).map((t): WatermarkHistory['points'][number] => ({
      t: new Date(t).toISOString(),
      lagMs: {},
    }));
    for (const h of history) {
      const point = points[stepIndex(window, Number(h.step_ms))];
      if (point !== undefined) point.lagMs[String(h.partition)] = Math.max(0, Math.round(h.lag_ms));
    }
    const view = watermarksView({
      pipeline: this.config.pipeline.name,
      topic,
      // Read after both answers, so no stored activity is in the future of `now`.
      now: Date.now(),
      semantics: this.config.semantics,
      stored,
      endOffsets,
      instance: this.instance,
      isOwned: (partition) => this.kafka.isAssigned(topic, partition),
    });
    return {
      ...view,
      history: { range: window.range, stepSeconds: window.stepMs / 1000, partitions, points },
    };
  }

  /** On-call opens this page when things are wrong: a Kafka failure leaves the offsets unknown. */
  private async endOffsets(topic: string): Promise<EndOffsets | null> {
    try {
      const offsets = await this.kafka.topicOffsets(topic);
      return offsets === null
        ? new Map()
        : new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    } catch (error) {
      this.log.write('warn', 'end offsets unavailable for the watermarks page', {
        topic,
        error: error instanceof Error ? error.message : String(error),
      });
      return null;
    }
  }
}
