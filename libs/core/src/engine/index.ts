// The dedup engine of the contract (docs/semantics.md). The reference model (reference-model.ts) is
// a test oracle and is deliberately not exported; neither is the engine's mutable watermark tracker.
export {
  canonicalJson,
  extractKeys,
  MAX_COMPOSITE_KEY_LENGTH,
  type MissingKeyField,
  type StrategyKey,
} from './keys';
export {
  failedDecision,
  type ApproximateBasis,
  type EngineDecision,
  type EngineDuplicateDecision,
  type EngineFailedDecision,
  type EngineInvalidDecision,
  type EngineLateDecision,
  type EngineUniqueDecision,
  type KeyState,
} from './engine-decision';
export {
  claimExpiry,
  expiryAfterDuplicate,
  isInScope,
  isStateExpired,
  stateKeysOf,
  tumblingBucket,
  type StrategyStateKey,
} from './dedup-window';
export {
  advanceWatermark,
  computeWatermark,
  EMPTY_WATERMARK_SNAPSHOT,
  isPartitionActive,
  partitionWatermark,
  type PartitionProgress,
  type WatermarkSnapshot,
} from './watermark';
export {
  bloomProbesOf,
  decideEventBatch,
  type BloomInput,
  type DecideBatchInput,
  type DecideBatchOutput,
} from './decide-event-batch';
export { planStateReads, StateCache, statesToRemember, type StateReadPlan } from './state-cache';
export {
  approximateLayout,
  estimatedLookupFalsePositiveRate,
  GENERATIONS_PER_WINDOW,
  generationCovers,
  generationOf,
  generationScopeEnd,
  lastExpiredGeneration,
  layoutProbe,
  stripeMatch,
  stripeWithKey,
  type ApproximateLayout,
  type BloomStripe,
} from './approximate';
