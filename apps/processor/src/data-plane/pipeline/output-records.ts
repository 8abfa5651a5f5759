import { DEDUP_HEADERS } from '@dedup/contracts';
import type { AppConfig } from '../../platform/config/app-config';
import type { OutputRecord } from '../../adapters/kafka/kafka.adapter';
import type { RawRecord } from '../dedup.repository';
import type { DecisionRecord } from './decision-record';

/**
 * Room kept under `MAX_OUTPUT_RECORD_BYTES` for what the processor adds to a forwarded record: its
 * `dedup-*` headers (about 1.5 KiB at most: an event id is at most 256 characters) and the record's
 * framing. A record that would not fit with it is `payload_too_large` (parseRecord's maxRecordBytes),
 * so the broker never refuses an output: a refusal is not retriable, and it stops the consumer.
 */
export const OUTPUT_HEADROOM_BYTES = 4_096;

/** Bytes of a record's key and headers (its value is counted separately). */
export function keyAndHeaderBytes(raw: Pick<RawRecord, 'key' | 'headers'>): number {
  let n = raw.key?.byteLength ?? 0;
  for (const [name, value] of Object.entries(raw.headers))
    n += Buffer.byteLength(name) + Buffer.byteLength(value);
  return n;
}

/** Above this a DLQ record's key is dropped too when the record is too large to forward whole. */
const FORWARDED_KEY_BYTES = 1_024;

/** Headers kept on a DLQ record sent without its own: the trace context, so the trace continues. */
const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

/**
 * Maps each decision to the record it produces. The original bytes and headers travel unchanged
 * (so the trace context in `traceparent` continues downstream); `dedup-*` headers say what happened.
 */
export function toOutputRecord(
  decision: DecisionRecord,
  source: RawRecord,
  config: Pick<AppConfig, 'topics' | 'pipeline' | 'limits'>,
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
    case 'failed': {
      if (decision.errorType !== null) headers[DEDUP_HEADERS.errorType] = decision.errorType;
      const bytes = (source.value?.byteLength ?? 0) + keyAndHeaderBytes(source);
      if (bytes + OUTPUT_HEADROOM_BYTES <= config.limits.maxOutputRecordBytes) {
        return { topic: config.topics.dlq, key: source.key, value: source.value, headers };
      }
      // Too large to forward whole (a record the broker took compressed, say): the broker would refuse
      // it on the DLQ topic, and that refusal would stop the pipeline. The DLQ table keeps every byte.
      const kept: Record<string, string> = {};
      for (const name of TRACE_HEADERS) {
        const value = source.headers[name];
        if (value !== undefined) kept[name] = value;
      }
      for (const [name, value] of Object.entries(headers)) {
        if (name.startsWith('dedup-')) kept[name] = value;
      }
      kept[DEDUP_HEADERS.originalBytes] = String(bytes);
      const key = source.key !== null && source.key.byteLength <= FORWARDED_KEY_BYTES ? source.key : null;
      return { topic: config.topics.dlq, key, value: null, headers: kept };
    }
  }
}
