import { watermarksResponseSchema } from '@dedup/contracts';
import type { Message } from 'kafkajs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { produce, readExactly } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Pages stay fast (issue 15, part 6: "first paint < 1 s on the local stack"; console production
 * build in real Chromium, a real processor on the real broker and database), and the Overview's
 * partitions link to their watermark rows. Two input partitions: partition 0 written to (the only
 * active one, so it holds the watermark back), partition 1 never.
 */
describe('console pages in Chromium: first paint, and the overview’s partitions', () => {
  const name = uniqueName('e2e-paint');
  const topics = pipelineTopics(name);
  // Long: partition 0 stays active for the whole test.
  const semantics = { idleTimeoutMs: 600_000 };
  const event = (id: string): Message => ({
    partition: 0,
    value: JSON.stringify({
      event_id: id,
      event_type: 'ui.paint',
      event_time: Date.now(),
      payload: {},
      schema_version: 1,
    }),
  });
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
    // Something on every page: unique records, a duplicate, a dead letter.
    await produce(topics.input, [
      event('a'),
      event('b'),
      event('a'),
      { partition: 0, value: 'not json at all' },
    ]);
    await readExactly(topics.output, 2);
    await eventually('partition 0 holding the watermark back, nothing behind', async () => {
      const body = watermarksResponseSchema.parse(await (await processor!.get('/api/watermarks')).json());
      return body.heldBackBy === 0 && body.partitions.every((p) => p.recordsBehind === 0) ? body : undefined;
    });
    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  /** Every console page, with its heading. */
  const PAGES = [
    { path: '/', heading: 'Overview' },
    { path: '/watermarks', heading: 'Watermarks' },
    { path: '/lateness', heading: 'Late events' },
    { path: '/exactly-once', heading: 'Exactly-once' },
    { path: '/dlq', heading: 'Dead letters' },
    { path: '/lineage', heading: 'Lineage' },
    { path: '/backfills', heading: 'Backfills' },
    { path: '/activity', heading: 'Activity' },
  ] as const;
  const FIRST_PAINT_BUDGET_MS = 1_000;

  interface PaintTimes {
    /** first-contentful-paint, ms after navigation start. */
    readonly fcp: number;
    /** The first byte of the HTML: the server's share. */
    readonly ttfb: number;
    /** The document's load event, after the last streamed chunk of the page's data. */
    readonly load: number;
  }

  // A string, evaluated in the page: the test project has no DOM types. Null until the page has
  // painted and loaded.
  const PAINT_TIMES = `(() => {
    const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
    const nav = performance.getEntriesByType('navigation')[0];
    if (fcp === undefined || nav === undefined || nav.loadEventEnd === 0) return null;
    return { fcp: fcp.startTime, ttfb: nav.responseStart, load: nav.loadEventEnd };
  })()`;

  const paintTimes = async (page: Page): Promise<PaintTimes> => {
    const handle = await page.waitForFunction(PAINT_TIMES);
    const { fcp, ttfb, load } = (await handle.jsonValue()) as Record<keyof PaintTimes, unknown>;
    if (typeof fcp !== 'number' || typeof ttfb !== 'number' || typeof load !== 'number') {
      throw new Error(`no paint timings: ${JSON.stringify({ fcp, ttfb, load })}`);
    }
    return { fcp, ttfb, load };
  };

  it('paints every page within a second, once the server is warm', async () => {
    const page = await context!.newPage();
    await consoleServer!.signIn(page, 'viewer');
    const over: string[] = [];
    for (const { path: pathname, heading } of PAGES) {
      // The first visit compiles nothing (a production build) but warms the server's caches.
      await page.goto(`${consoleServer!.baseUrl}${pathname}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.goto(`${consoleServer!.baseUrl}${pathname}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      const t = await paintTimes(page);
      const ms = (v: number) => `${Math.round(v)} ms`;
      console.log(
        `first paint ${pathname.padEnd(13)} FCP ${ms(t.fcp).padStart(7)}  (HTML first byte ${ms(t.ttfb)}, loaded ${ms(t.load)})`,
      );
      if (t.fcp >= FIRST_PAINT_BUDGET_MS) over.push(`${pathname}: ${ms(t.fcp)}`);
    }
    expect(over).toEqual([]);
    await page.close();
  });

  it('shows each input partition on the overview, linking to its watermark row', async () => {
    const page = await context!.newPage();
    await page.goto(`${consoleServer!.baseUrl}/`);
    const strip = page.getByTestId('overview-partitions');
    const rows = strip.getByTestId('overview-partition');
    await rows.nth(1).waitFor({ timeout: 30_000 });
    await expect(rows.count()).resolves.toBe(2);

    // Partition 0, the only active one, holds the watermark back; partition 1 never had a record.
    const first = strip.locator('[data-partition="0"]');
    await expect(first.getAttribute('data-role')).resolves.toBe('holds-back');
    await expect(first.getByTestId('overview-partition-state').innerText()).resolves.toMatch(
      /^holds the watermark back$/i,
    );
    const never = strip.locator('[data-partition="1"]');
    await expect(never.getAttribute('data-role')).resolves.toBe('idle');
    await expect(never.getByTestId('overview-partition-state').innerText()).resolves.toBe('no records yet');
    await expect(never.locator('td').allInnerTexts()).resolves.toEqual(['no records yet', '0', '–']);
    await expect(strip.getByTestId('partitions-held-back').innerText()).resolves.toContain(
      'Partition 0 is the only active partition.',
    );
    await page.screenshot({ path: path.join(realStack().runDir, 'overview-partitions.png'), fullPage: true });

    // A partition's link opens its row on the Watermarks page, outlined as the URL's target.
    await strip.getByRole('link', { name: 'Partition 1', exact: true }).click();
    await page.waitForURL(/\/watermarks#p-1$/);
    const row = page.getByRole('table', { name: 'Partitions' }).locator('#p-1');
    await row.waitFor();
    await expect(row.getByTestId('partition-state').innerText()).resolves.toBe('no records yet');
    await expect(page.locator('tr:target').getAttribute('id')).resolves.toBe('p-1');
    await expect(row.isVisible()).resolves.toBe(true);
    await page.close();
  });
});
