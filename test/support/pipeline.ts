import { createTopics } from './kafka-tools';
/** The five topics of a test pipeline, named after it so suites never share a topic. */
export interface PipelineTopics {
  readonly input: string;
  readonly output: string;
  readonly duplicates: string;
  readonly late: string;
  readonly dlq: string;
}

export function pipelineTopics(name: string): PipelineTopics {
  return {
    input: `${name}.events.raw`,
    output: `${name}.events.deduped`,
    duplicates: `${name}.events.duplicates`,
    late: `${name}.events.late`,
    dlq: `${name}.events.dlq`,
  };
}

/** The processor environment for a test pipeline: its name and topics, plus any extra settings. */
export function pipelineEnv(
  name: string,
  topics: PipelineTopics,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PIPELINE_NAME: name,
    TOPIC_INPUT: topics.input,
    TOPIC_OUTPUT: topics.output,
    TOPIC_DUPLICATES: topics.duplicates,
    TOPIC_LATE: topics.late,
    TOPIC_DLQ: topics.dlq,
    ...extra,
  };
}

/**
 * Creates a test pipeline's topics: the input (and the output) with `partitions`, the side topics
 * with one partition each.
 */
export async function createPipelineTopics(
  topics: PipelineTopics,
  partitions: { readonly input?: number; readonly output?: number } = {},
): Promise<void> {
  await createTopics({
    [topics.input]: partitions.input ?? 1,
    [topics.output]: partitions.output ?? 1,
    [topics.duplicates]: 1,
    [topics.late]: 1,
    [topics.dlq]: 1,
  });
}
