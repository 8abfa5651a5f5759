import { Module } from '@nestjs/common';
import { StateCache } from '@dedup/core';
import { KafkaAdapter } from '../adapters/kafka/kafka.adapter';
import { PipelineTopicsRepository } from '../adapters/postgres/pipeline-topics.repository';
import { APP_CONFIG, type AppConfig } from '../platform/config/app-config';
import { DedupRepository } from './dedup.repository';
import { HealthRepository } from './health/health.repository';
import { HealthSamplerService } from './health/health-sampler.service';
import { BatchDecider } from './pipeline/batch-decider';
import { OutputStabilityProbe } from './pipeline/output-stability.probe';
import { PipelineService } from './pipeline/pipeline.service';
import { StateExpiryRepository } from './state/state-expiry.repository';
import { StateExpiryService } from './state/state-expiry.service';

/** The live pipeline: consume, decide, persist, produce; the expiry of its state; its health samples. */
@Module({
  providers: [
    { provide: 'PIPELINE', useFactory: (config: AppConfig) => config.pipeline, inject: [APP_CONFIG] },
    // One cache per process, shared by every partition's batches and the expiry sweep.
    {
      provide: StateCache,
      useFactory: (config: AppConfig) => new StateCache(config.state.cacheSize),
      inject: [APP_CONFIG],
    },
    KafkaAdapter,
    DedupRepository,
    BatchDecider,
    PipelineService,
    OutputStabilityProbe,
    HealthRepository,
    HealthSamplerService,
    StateExpiryRepository,
    StateExpiryService,
    PipelineTopicsRepository,
  ],
  exports: [
    KafkaAdapter,
    PipelineService,
    OutputStabilityProbe,
    StateExpiryService,
    PipelineTopicsRepository,
  ],
})
export class DataPlaneModule {}
