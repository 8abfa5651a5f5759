import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { createTopics, produce, readExactly } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/** The console (production build) in real Chromium, fed by a real processor on the real broker. */
describe('console in Chromium', () => {
  const name = uniqueName('e2e');
  const input = `${name}.events.raw`;
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;

  const events = (from: number, n: number, copies: number) =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: copies }, () => ({
        key: `k${from + i}`,
        value: JSON.stringify({
          event_id: `e${from + i}`,
          event_type: 'ui.test',
          event_time: Date.now(),
          payload: {},
          schema_version: 1,
        }),
      })),
    ).flat();

  beforeAll(async () => {
    await createTopics({ [input]: 2 });
    processor = await ProcessorProcess.start(pipelineEnv(name, pipelineTopics(name)), name);
    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  it('shows the counts by outcome and follows them live', async () => {
    await produce(input, [...events(0, 30, 2), { key: 'x', value: 'not json' }]);
    await readExactly(`${name}.events.deduped`, 30);
    const page = await browser!.newPage();
    await consoleServer!.signIn(page, 'viewer');
    await page.getByTestId('pipeline-name').filter({ hasText: name }).waitFor();
    const count = async (outcome: string) => Number(await page.getByTestId(`count-${outcome}`).innerText());
    await eventually(
      'first counts on the page',
      async () => ((await count('unique')) === 30 ? true : undefined),
      30_000,
    );
    expect(await count('duplicate')).toBe(30);
    expect(await count('invalid')).toBe(1);
    expect(await page.getByTestId('duplicate-ratio').innerText()).toMatch(/50(\.0)?\s*%/);

    // More traffic: the page follows without a reload.
    await produce(input, events(100, 10, 1));
    await eventually('live update', async () => ((await count('unique')) === 40 ? true : undefined), 30_000);
    await page.screenshot({ path: path.join(realStack().runDir, 'console.png') });
  });
});
