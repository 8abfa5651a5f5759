import { StateCache } from '@dedup/core';
import type { DataSource } from 'typeorm';
import { KafkaAdapter } from '../../adapters/kafka/kafka.adapter';
import type { AppConfig } from '../../platform/config/app-config';
import type { JsonLogger } from '../../platform/logging/json-logger';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { DedupRepository } from '../dedup.repository';
import { BatchDecider } from './batch-decider';
import { PipelineService } from './pipeline.service';

/** A pipeline built around a config of its own, with the parts its owner drives directly. */
export interface BuiltPipeline {
  readonly config: AppConfig;
  readonly kafka: KafkaAdapter;
  readonly pipeline: PipelineService;
}

export interface PipelineParts {
  /** The size of the pipeline's own state cache (a backfill's is small). */
  readonly cacheSize: number;
  /**
   * Where its metrics go. Default: a registry of its own without process metrics, so a backfill's or
   * a replay's outcomes never move the live pipeline's duplicate-rate or lag alerts.
   */
  readonly metrics?: MetricsService;
}

/**
 * The one way to build a pipeline outside the live one's Nest wiring: the live pipeline's own classes
 * (PipelineService, BatchDecider, DedupRepository, KafkaAdapter) around another config, so a backfill
 * (and a DLQ replay) decides, persists and commits exactly like the live pipeline. The config names
 * its state namespace (`pipeline.name`), topics and consumer group.
 */
export function buildPipeline(
  config: AppConfig,
  dataSource: DataSource,
  logger: JsonLogger,
  parts: PipelineParts,
): BuiltPipeline {
  const metrics = parts.metrics ?? new MetricsService({ processMetrics: false });
  const cache = new StateCache(parts.cacheSize);
  const repository = new DedupRepository(dataSource, config.pipeline);
  const kafka = new KafkaAdapter(config, logger);
  const decider = new BatchDecider(config, repository, cache, metrics, logger);
  const pipeline = new PipelineService(config, kafka, repository, metrics, decider, cache, logger);
  return { config, kafka, pipeline };
}
