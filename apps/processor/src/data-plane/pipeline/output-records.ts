import { DEDUP_HEADERS } from '@dedup/contracts';
import type { AppConfig } from '../../platform/config/app-config';
import type { OutputRecord } from '../../adapters/kafka/kafka.adapter';
import type { RawRecord } from '../dedup.repository';
import type { DecisionRecord } from './decision-record';

/**
 * Maps each decision to the record it produces. The original bytes and headers travel unchanged
 * (so the trace context in `traceparent` continues downstream); `dedup-*` headers say what happened.
 */
export function toOutputRecord(
  decision: DecisionRecord,
  source: RawRecord,
  config: Pick<AppConfig, 'topics' | 'pipeline'>,
): OutputRecord {
  const headers: Record<string, string> = {
    ...source.headers,
    [DEDUP_HEADERS.outcome]: decision.outcome,
    [DEDUP_HEADERS.pipeline]: config.pipeline.name,
    [DEDUP_HEADERS.pipelineVersion]: config.pipeline.version,
    [DEDUP_HEADERS.sourceTopic]: decision.coords.topic,
    [DEDUP_HEADERS.sourcePartition]: String(decision.coords.partition),
    [DEDUP_HEADERS.sourceOffset]: decision.coords.offset,
  };
  if (decision.eventId !== null) headers[DEDUP_HEADERS.eventId] = decision.eventId;
  if (decision.reason !== null) headers[DEDUP_HEADERS.reason] = decision.reason;
  if (decision.approximate) headers[DEDUP_HEADERS.approximate] = 'true';
  const key = decision.eventId ?? source.key;
  switch (decision.outcome) {
    case 'unique':
      return { topic: config.topics.output, key, value: source.value, headers };
    case 'duplicate':
      if (decision.first !== null) {
        headers[DEDUP_HEADERS.firstTopic] = decision.first.topic;
        headers[DEDUP_HEADERS.firstPartition] = String(decision.first.partition);
        headers[DEDUP_HEADERS.firstOffset] = decision.first.offset;
        headers[DEDUP_HEADERS.firstSeenAt] = new Date(decision.first.firstSeenAt).toISOString();
      }
      if (decision.strategy !== null) headers[DEDUP_HEADERS.strategy] = decision.strategy;
      return { topic: config.topics.duplicates, key, value: source.value, headers };
    case 'late':
      if (decision.watermark !== null)
        headers[DEDUP_HEADERS.watermark] = new Date(decision.watermark).toISOString();
      if (decision.latenessMs !== null) headers[DEDUP_HEADERS.latenessMs] = String(decision.latenessMs);
      return { topic: config.topics.late, key, value: source.value, headers };
    case 'invalid':
    case 'failed':
      if (decision.errorType !== null) headers[DEDUP_HEADERS.errorType] = decision.errorType;
      return { topic: config.topics.dlq, key: source.key, value: source.value, headers };
  }
}
