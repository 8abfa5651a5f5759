import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Decision } from '@dedup/core';
import type { AppConfig } from '../config/app-config';
import type { OutputRecord } from '../kafka/kafka.adapter';
import type { RawRecord } from '../persistence/dedup.repository';

/**
 * Maps each decision to the record it produces. The original bytes and headers travel unchanged
 * (so the trace context in `traceparent` continues downstream); `dedup-*` headers say what happened.
 */
export function toOutputRecord(
  decision: Decision,
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
  switch (decision.outcome) {
    case 'unique':
      return {
        topic: config.topics.output,
        key: decision.record.event.event_id,
        value: source.value,
        headers: { ...headers, [DEDUP_HEADERS.eventId]: decision.record.event.event_id },
      };
    case 'duplicate':
      return {
        topic: config.topics.duplicates,
        key: decision.record.event.event_id,
        value: source.value,
        headers: {
          ...headers,
          [DEDUP_HEADERS.eventId]: decision.record.event.event_id,
          [DEDUP_HEADERS.firstTopic]: decision.first.origin.topic,
          [DEDUP_HEADERS.firstPartition]: String(decision.first.origin.partition),
          [DEDUP_HEADERS.firstOffset]: decision.first.origin.offset,
          [DEDUP_HEADERS.firstSeenAt]: new Date(decision.first.firstSeenAt).toISOString(),
        },
      };
    case 'invalid':
      return {
        topic: config.topics.dlq,
        key: source.key,
        value: source.value,
        headers: {
          ...headers,
          [DEDUP_HEADERS.errorType]: decision.errorType,
          [DEDUP_HEADERS.reason]: decision.reason,
        },
      };
  }
}
