import { watermarksResponseSchema } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
 * holding the pipeline watermark back, partition 2 with no records yet, and `#p-1` jumps to its row;
 * a chart of the lag over the range has a line per partition with a watermark (0 and 1), its legend
 * linking the rows, and the range picker changes the URL and the chart's step.
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
    // The lag history is sampled every 10 s: wait for a sample of both written partitions.
    await eventually('a lag sample of partitions 0 and 1', async () => {
      const body = watermarksResponseSchema.parse(await (await processor!.get('/api/watermarks')).json());
      return body.history.partitions.join() === '0,1' ? true : undefined;
    });
    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  /** A viewer on the Watermarks page in a fresh context (no session left from another test), closed after. */
  const asViewer = async (test: (page: Page) => Promise<void>): Promise<void> => {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      await consoleServer!.signIn(page, 'viewer', '/watermarks');
      await test(page);
    } finally {
      await context.close();
    }
  };

  it('marks the partition holding the watermark back, and links to a partition row', () =>
    asViewer(async (page) => {
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
    }));

  it('draws each partition’s lag over the range, and the picker changes the URL and the step', () =>
    asViewer(async (page) => {
      await page.getByRole('heading', { level: 1, name: 'Watermarks' }).waitFor();
      const picker = page.getByRole('navigation', { name: 'Time range' });
      await expect(picker.locator('[aria-current="true"]').innerText()).resolves.toBe('1h');
      await expect(page.getByTestId('range-caption').innerText()).resolves.toBe(
        'the last 1 hour, in 1-minute steps',
      );

      // One line per partition with a watermark; partition 2 has none, and the page says so.
      const chart = page.getByTestId('watermark-lag-chart');
      await chart.locator('svg.recharts-surface').first().waitFor({ timeout: 30_000 });
      await expect(chart.locator('.recharts-line').count()).resolves.toBe(2);
      const legend = chart.locator('.chart-legend li');
      await expect(legend.allInnerTexts()).resolves.toEqual([
        'Partition 0',
        'Partition 1, holds the watermark back',
      ]);
      await expect(page.getByTestId('lag-uncharted').innerText()).resolves.toBe(
        'Partition 2 has no watermark sampled in the range, so no line.',
      );
      // Both drawn: a line where two steps in a row have a sample, else a dot (the first minute has one).
      let drawn = await chart.locator('.chart-lone-dot').count();
      for (const curve of await chart.locator('.recharts-line path.recharts-curve').all()) {
        if ((await curve.getAttribute('d'))?.includes('L') === true) drawn += 1;
      }
      expect(drawn).toBeGreaterThanOrEqual(2);

      // A legend entry is a link to its partition's row.
      await chart.getByRole('link', { name: 'Partition 1, holds the watermark back' }).click();
      await page.waitForURL(/#p-1$/);
      await expect(page.locator('tr:target').getAttribute('id')).resolves.toBe('p-1');

      // Another range: the URL says it, the chart is drawn at its step, still a line per partition.
      await picker.getByRole('link', { name: 'the last 6 hours' }).click();
      await page.waitForURL(/\/watermarks\?range=6h$/);
      await eventually(
        'the 6-hour chart',
        async () =>
          (await page.getByTestId('range-caption').innerText()) === 'the last 6 hours, in 5-minute steps'
            ? true
            : undefined,
        15_000,
      );
      await expect(picker.locator('[aria-current="true"]').innerText()).resolves.toBe('6h');
      await chart.locator('svg.recharts-surface').first().waitFor();
      await expect(chart.locator('.recharts-line').count()).resolves.toBe(2);
      await page.screenshot({ path: path.join(realStack().runDir, 'watermarks-lag-6h.png'), fullPage: true });

      // A range that is not one: said, the chart left out, the current watermarks still shown.
      await page.goto(`${consoleServer!.baseUrl}/watermarks?range=2h`);
      await expect(page.getByTestId('range-problems').innerText()).resolves.toContain(
        'a range: one of 15m, 1h, 6h, 24h, 7d (not "2h")',
      );
      await page.getByTestId('partition-row').nth(2).waitFor();
      await expect(chart.count()).resolves.toBe(0);
      // The poll route refuses it too, in the same words.
      const refused = await page.request.get(`${consoleServer!.baseUrl}/api/watermarks?range=2h`);
      expect(refused.status()).toBe(400);
      await expect(refused.json()).resolves.toMatchObject({
        error: 'Range: a range: one of 15m, 1h, 6h, 24h, 7d (not "2h").',
      });
    }));

  it('keeps the navigation on one line at 1280 and 1400 px, the short links named in full', () =>
    asViewer(async (page) => {
      const nav = page.getByRole('navigation', { name: 'Console sections' });
      await nav.waitFor();
      await expect(nav.getByRole('link', { name: 'Late events' }).innerText()).resolves.toBe('Late');
      await expect(nav.getByRole('link', { name: 'Dead letters (DLQ)' }).innerText()).resolves.toBe('DLQ');
      for (const width of [1280, 1400]) {
        await page.setViewportSize({ width, height: 900 });
        // Every section link and the sign-out button share one row: their vertical centres agree.
        const centres: number[] = [];
        for (const element of await nav.locator('.nav-link, button').all()) {
          const box = await element.boundingBox();
          if (box !== null) centres.push(Math.round(box.y + box.height / 2));
        }
        expect(centres.length).toBe(9);
        expect(Math.max(...centres) - Math.min(...centres)).toBeLessThanOrEqual(2);
        await page.screenshot({
          path: path.join(realStack().runDir, `nav-${width}.png`),
          clip: { x: 0, y: 0, width, height: 80 },
        });
      }
    }));
});
