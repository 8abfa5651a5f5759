import { readFile } from 'node:fs/promises';
import { produceCompressed, readExactly, testEvent } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * A consumer kafkajs gives up on. kafkajs restarts its consumer after a retriable error only; after
 * one it deems not retriable it stops for good, and the process used to run on consuming nothing,
 * ready by its health check, with a lag metric frozen at its last value (an external audit found it).
 * Here the guard against records too large to forward is turned off (MAX_OUTPUT_RECORD_BYTES above
 * the broker's limit), so the broker refuses the processor's copy of a 2 MB record with
 * MESSAGE_TOO_LARGE, every time: the processor must start new consumers, backing off, and say so.
 */
describe('a consumer that stops on an error kafkajs does not retry', () => {
  const name = uniqueName('crash');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;

  beforeAll(async () => {
    await createPipelineTopics(topics);
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { MAX_OUTPUT_RECORD_BYTES: '100000000' }),
      name,
    );
    await produceCompressed(topics.input, [testEvent('first')]);
    await readExactly(topics.output, 1);
  });

  afterAll(async () => {
    await processor?.stop();
  });

  it('is replaced by new consumers, backing off, while readiness and the lag metric show the stall', async () => {
    await produceCompressed(topics.input, [
      testEvent('huge', 2_000_000),
      testEvent('second'),
      testEvent('third'),
    ]);
    const ready = await eventually('readiness to report the stopped consumer', async () => {
      const res = await fetch(`${processor!.baseUrl}/health/ready`);
      return res.status === 503 ? await res.text() : undefined;
    });
    expect(ready).toMatch(
      /the consumer stopped on .*larger than the max message size.*a new one is starting/,
    );

    // New consumers start, and stop on the same record: 1 s, then 2 s later (the log counts them).
    const crashes = async () =>
      (await readFile(processor!.logFile, 'utf8'))
        .split('\n')
        .filter((line) =>
          line.includes('"the consumer stopped on an error kafkajs does not retry; starting a new one"'),
        )
        .map((line) => JSON.parse(line) as { attempt: number; delay_ms: number });
    const seen = await eventually(
      'a third crash',
      async () => ((await crashes()).length >= 3 ? crashes() : undefined),
      60_000,
    );
    expect(seen.slice(0, 3).map((c) => [c.attempt, c.delay_ms])).toEqual([
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
    ]);

    // The lag is read from the broker even though no batch commits: the three records behind.
    const metrics = await eventually(
      'the consumer lag to show the 3 records behind',
      async () => {
        const text = await (await processor!.get('/metrics')).text();
        return text.includes(`dedup_consumer_lag_records{topic="${topics.input}",partition="0"} 3`)
          ? text
          : undefined;
      },
      45_000,
    );
    // Every replacement counted (the restarts go on meanwhile, so at least the three seen above).
    const restarts = Number(/^dedup_consumer_restarts_total (\d+)$/m.exec(metrics)?.[1]);
    expect(restarts).toBeGreaterThanOrEqual(3);
  });
});
