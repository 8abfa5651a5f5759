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
