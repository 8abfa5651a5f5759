import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTopics } from '../support/kafka-tools';
import { closeTestPool, testPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

const repoRoot = path.resolve(__dirname, '..', '..');

/** Runs the demo generator (its own process) to completion with a fixed seed, count and base time. */
function runGenerator(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'tools/demo/generator.ts')], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'], KAFKA_BROKERS: realStack().kafkaBrokers.join(','), ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`generator exited ${code}: ${stderr}`)),
    );
  });
}

/** Issue 3's acceptance: the demo generator's stream fed twice (same events, new offsets) adds no unique. */
describe('the demo stream, fed twice', () => {
  const name = uniqueName('replay');
  const input = `${name}.events.raw`;
  const COUNT = 400;
  const generatorEnv = {
    TOPIC_INPUT: input,
    DEMO_SEED: '20261123',
    DEMO_COUNT: String(COUNT),
    DEMO_RATE: '2000',
    DEMO_BASE_TIME: String(Date.now() - 120_000),
  };
  let processor: ProcessorProcess | undefined;

  const outcomes = async () => {
    const { rows } = await testPool().query<{ outcome: string; n: string }>(
      `SELECT outcome, count(*)::text AS n FROM event_audit WHERE pipeline = $1 GROUP BY 1`,
      [name],
    );
    return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
  };
  const settled = (total: number) =>
    eventually(`${total} audit rows`, async () => {
      const o = await outcomes();
      return Object.values(o).reduce((a, b) => a + b, 0) === total ? o : undefined;
    });

  beforeAll(async () => {
    await createTopics({ [input]: 3 });
    processor = await ProcessorProcess.start(pipelineEnv(name, pipelineTopics(name)), name);
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('produces the same uniques once, and only duplicates, late or invalid the second time', async () => {
    await runGenerator(generatorEnv);
    const once = await settled(COUNT);
    expect(once['unique']).toBeGreaterThan(COUNT / 2);
    expect(once['duplicate']).toBeGreaterThan(0);
    expect(once['invalid']).toBeGreaterThan(0);

    await runGenerator(generatorEnv);
    const twice = await settled(2 * COUNT);
    expect(twice['unique']).toBe(once['unique']);
    expect(twice['invalid']).toBe(2 * (once['invalid'] ?? 0));
    expect((twice['duplicate'] ?? 0) + (twice['late'] ?? 0)).toBe(
      COUNT - (once['invalid'] ?? 0) + (once['duplicate'] ?? 0) + (once['late'] ?? 0),
    );
  });
});
