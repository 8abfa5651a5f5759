import { watermarksResponseSchema } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { produce, readExactly } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The Watermarks page (issue 15; console production build in real Chromium, a real processor on the
 * real broker and database): three input partitions, partition 1 a minute behind partition 0 and
 * partition 2 never written to. A viewer sees one row per partition, partition 1's marked as the one
 * holding the pipeline watermark back, partition 2 with no records yet, and `#p-1` jumps to its row.
 */
describe('Watermarks page in Chromium', () => {
  const name = uniqueName('e2e-wm');
  const topics = pipelineTopics(name);
  const semantics = {
    maxOutOfOrdernessMs: 5_000,
    allowedLatenessMs: 600_000,
    // Long: both written partitions stay active for the whole test.
    idleTimeoutMs: 600_000,
  };
  const T = Date.now();
  const msg = (partition: number, id: string, eventTime: number): Message => ({
    partition,
    value: JSON.stringify({
      event_id: id,
      event_type: 'ui.watermarks',
      event_time: eventTime,
      payload: {},
      schema_version: 1,
    }),
  });
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 3 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
    // Partition 1 first, so it is observed (not late) and then holds the watermark back.
    await produce(topics.input, [msg(1, 'behind', T - 60_000)]);
    await readExactly(topics.output, 1);
    await produce(topics.input, [msg(0, 'a', T - 1_000), msg(0, 'b', T)]);
    await readExactly(topics.output, 3);
    await eventually('partition 1 holding the watermark back', async () => {
      const body = watermarksResponseSchema.parse(await (await processor!.get('/api/watermarks')).json());
      return body.heldBackBy === 1 && body.partitions.every((p) => p.recordsBehind === 0) ? body : undefined;
    });
    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  it('marks the partition holding the watermark back, and links to a partition row', async () => {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      await consoleServer!.signIn(page, 'viewer', '/watermarks');
      await page.getByRole('heading', { level: 1, name: 'Watermarks' }).waitFor();
      await expect(page.getByRole('link', { name: 'Watermarks' }).getAttribute('aria-current')).resolves.toBe(
        'page',
      );

      const table = page.getByRole('table', { name: 'Partitions' });
      const rows = table.getByTestId('partition-row');
      // The first server render may not have had the answer yet (a slow broker under load): the page
      // then polls every 5 s, so wait for the rows rather than count what is there now.
      await rows.nth(2).waitFor({ timeout: 30_000 });
      await expect(rows.count()).resolves.toBe(3);
      const holding = table.locator('[data-testid="partition-row"][data-holding-back="true"]');
      await holding.waitFor({ timeout: 30_000 });
      await expect(holding.count()).resolves.toBe(1);
      await expect(holding.getAttribute('id')).resolves.toBe('p-1');
      await expect(holding.getByTestId('holding-back-badge').isVisible()).resolves.toBe(true);
      await expect(holding.getByTestId('holding-back-badge').innerText()).resolves.toMatch(
        /holds the watermark back/i,
      );
      await expect(holding.getByTestId('partition-state').innerText()).resolves.toBe('active');
      await expect(holding.innerText()).resolves.toContain('this instance (dedup-processor@');

      const never = table.locator('#p-2');
      await expect(never.getAttribute('data-holding-back')).resolves.toBeNull();
      await expect(never.getByTestId('partition-state').innerText()).resolves.toBe('no records yet');
      await expect(page.getByTestId('held-back').innerText()).resolves.toContain(
        'Partition 1 is the slowest of 2 active partitions',
      );
      await expect(page.getByTestId('pipeline-watermark').innerText()).resolves.not.toBe('–');
      await page.screenshot({ path: path.join(realStack().runDir, 'watermarks.png'), fullPage: true });

      // A link to one partition: the row is the URL's target, and in view.
      await page.goto(`${consoleServer!.baseUrl}/watermarks#p-2`);
      await table.locator('#p-2').waitFor();
      await expect(page.locator('tr:target').getAttribute('id')).resolves.toBe('p-2');
      await expect(table.locator('#p-2').isVisible()).resolves.toBe(true);
    } finally {
      await context.close();
    }
  });
});
