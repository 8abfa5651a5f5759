import { statsResponseSchema, type StatsResponse } from '@dedup/contracts';
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
 * The Overview, Late events and Exactly-once pages (issue 15, parts 1, 3 and 5; console production
 * build in real Chromium, a real processor on the real broker and database). Traffic with known
 * outcomes: unique records and copies of them at the wall clock, one that is not JSON, then records
 * behind the watermark, some within the allowed lateness and some beyond it. The overview's totals
 * must equal the processor's own counts; the late page must show the late ones.
 */
describe('Overview, Late events and Exactly-once pages in Chromium', () => {
  const name = uniqueName('e2e-insights');
  const topics = pipelineTopics(name);
  const semantics = {
    // The watermark trails the newest event time by 1 s; a record more than 10 s behind it is late.
    maxOutOfOrdernessMs: 1_000,
    allowedLatenessMs: 10_000,
    // Long: both partitions stay active (and hold the watermark) for the whole test.
    idleTimeoutMs: 600_000,
  };
  const T = Date.now();
  const event = (partition: number, id: string, eventTime: number): Message => ({
    partition,
    value: JSON.stringify({
      event_id: id,
      event_type: 'ui.insights',
      event_time: eventTime,
      payload: {},
      schema_version: 1,
    }),
  });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  // What is produced, by outcome.
  const UNIQUE = 40; // 20 per partition, at T
  const COPIES = 20; // a copy of each of partition 0's
  const BEHIND_KEPT = 6; // 4 s behind the watermark, on partition 1: kept
  const LATE = 5; // 39 s behind the watermark, on partition 0: late
  const INVALID = 1;

  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let stats: StatsResponse | undefined;

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
    // At the wall clock on both partitions (so both hold the watermark at about T − 1 s), with
    // copies, and one record that is not JSON.
    const fresh = range(UNIQUE).map((i) => event(i % 2, `u${i}`, T));
    const copies = range(COPIES).map((i) => event(0, `u${i * 2}`, T));
    await produce(topics.input, [...fresh, ...copies, { partition: 1, value: 'not json' }]);
    await readExactly(topics.output, UNIQUE);
    // Then behind the watermark: within the allowed lateness on partition 1, beyond it on partition 0.
    await produce(topics.input, [
      ...range(BEHIND_KEPT).map((i) => event(1, `kept${i}`, T - 5_000)),
      ...range(LATE).map((i) => event(0, `late${i}`, T - 40_000)),
    ]);
    await readExactly(topics.late, LATE);
    await readExactly(topics.output, UNIQUE + BEHIND_KEPT);

    stats = await eventually('the processor’s counts', async () => {
      const body = statsResponseSchema.parse(await (await processor!.get('/api/stats')).json());
      return body.totals.late === LATE ? body : undefined;
    });
    // The processor's own counts are what was produced: the page is then compared with them.
    expect(stats.totals).toEqual({
      unique: UNIQUE + BEHIND_KEPT,
      duplicate: COPIES,
      late: LATE,
      invalid: INVALID,
      failed: 0,
    });

    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  /** A viewer signed in on a page of their own (a fresh context: no session left from another test). */
  const signedIn = async (then: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await consoleServer!.signIn(page, 'viewer', then);
    return { context, page };
  };

  /** A headline number as text ("1,234"), read as a number. */
  const numberOf = async (page: Page, testId: string): Promise<number> =>
    Number((await page.getByTestId(testId).innerText()).replace(/,/g, ''));

  it('shows on the overview the same totals as the processor, over the range in the URL', async () => {
    const { context, page } = await signedIn('/?range=15m');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const picker = page.getByRole('navigation', { name: 'Time range' });
    await expect(picker.locator('[aria-current="true"]').innerText()).resolves.toBe('15m');

    // The page polls every 5 s: wait for it to have every record, then compare outcome by outcome.
    await eventually(
      'the overview’s totals',
      async () => ((await numberOf(page, 'count-late')) === stats!.totals.late ? true : undefined),
      30_000,
    );
    for (const outcome of ['unique', 'duplicate', 'late', 'invalid', 'failed'] as const) {
      await expect(numberOf(page, `count-${outcome}`)).resolves.toBe(stats!.totals[outcome]);
    }
    const decided = Object.values(stats!.totals).reduce((a, b) => a + b, 0);
    await expect(numberOf(page, 'total-decided')).resolves.toBe(decided);
    // 20 duplicates of 46 unique and 20 duplicate records.
    await expect(page.getByTestId('duplicate-ratio').innerText()).resolves.toBe('30.3 %');
    await expect(page.getByTestId('overview-dlq-open').innerText()).resolves.toBe(String(INVALID));
    await expect(page.getByTestId('exactly-once-health').innerText()).resolves.not.toBe('–');

    // The charts are drawn (an SVG per chart), the outcomes' one with a series per outcome.
    const outcomes = page.getByTestId('chart-outcomes');
    await outcomes.locator('svg.recharts-surface').first().waitFor();
    await expect(outcomes.locator('.recharts-area').count()).resolves.toBe(5);
    await page.screenshot({ path: path.join(realStack().runDir, 'insights-overview.png'), fullPage: true });
    // The charts take their colours from the theme: the same page, dark.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({
      path: path.join(realStack().runDir, 'insights-overview-dark.png'),
      fullPage: true,
    });
    await page.emulateMedia({ colorScheme: 'light' });

    // Another range from the picker: the URL says it, the totals are the same (all traffic is recent).
    await page.getByRole('link', { name: 'the last 6 hours' }).click();
    await page.waitForURL(/\?range=6h$/);
    await eventually(
      'the 6-hour totals',
      async () =>
        (await page.getByTestId('range-caption').innerText()).includes('6 hours') ? true : undefined,
      15_000,
    );
    await expect(numberOf(page, 'count-unique')).resolves.toBe(stats!.totals.unique);

    // A range that is not one is said, not a crash.
    await page.goto(`${consoleServer!.baseUrl}/?range=2h`);
    await expect(page.getByTestId('range-problems').innerText()).resolves.toContain(
      'a range: one of 15m, 1h, 6h, 24h, 7d (not "2h")',
    );
    await context.close();
  });

  it('shows the late records, their lateness and the advice, and filters by partition', async () => {
    const { context, page } = await signedIn('/lateness?range=15m');
    await page.getByRole('heading', { level: 1, name: 'Late events' }).waitFor();
    await expect(page.getByRole('link', { name: 'Late events' }).getAttribute('aria-current')).resolves.toBe(
      'page',
    );

    await expect(numberOf(page, 'late-count')).resolves.toBe(LATE);
    await expect(numberOf(page, 'behind-count')).resolves.toBe(LATE + BEHIND_KEPT);
    await expect(page.getByTestId('allowed-lateness').innerText()).resolves.toBe('10 s');
    await expect(page.getByTestId('late-summary').innerText()).resolves.toMatch(
      new RegExp(`^${LATE} of ${UNIQUE + BEHIND_KEPT + COPIES + LATE} records \\(.+ %\\) were late`),
    );
    // 39 s behind the watermark, read from buckets within 4.5 %.
    const lateP50 = await page.getByTestId('late-p50').innerText();
    expect(lateP50).toMatch(/^\d+(\.\d+)? s$/);
    expect(Math.abs(parseFloat(lateP50) - 39)).toBeLessThan(39 * 0.05);
    await page.getByTestId('lateness-histogram').locator('svg.recharts-surface').waitFor();
    await expect(page.getByTestId('advice-text').count()).resolves.toBe(2);
    await expect(page.getByTestId('advice-text').first().innerText()).resolves.toMatch(
      /^To keep 99 % of the late records, allow .+ of lateness \(now 10 s\)/,
    );
    await page.screenshot({ path: path.join(realStack().runDir, 'insights-lateness.png'), fullPage: true });

    // Partition 1 had records behind the watermark, none late: its filter says so.
    await page.getByRole('link', { name: `${topics.input} / 1` }).click();
    await page.waitForURL(/partition=1/);
    await page.getByTestId('lateness-empty').waitFor();
    await expect(numberOf(page, 'late-count')).resolves.toBe(0);
    await expect(numberOf(page, 'behind-count')).resolves.toBe(BEHIND_KEPT);
    await context.close();
  });

  it('shows the exactly-once health with the transactions that carried the output', async () => {
    const { context, page } = await signedIn('/exactly-once?range=15m');
    await page.getByRole('heading', { level: 1, name: 'Exactly-once' }).waitFor();
    await expect(page.getByTestId('guarantee').innerText()).resolves.toBe('exactly once');
    // Transactions are counted from the instances' samples, every 10 s: the page picks them up as it polls.
    await eventually(
      'committed transactions on the page',
      async () => ((await numberOf(page, 'total-committed')) > 0 ? true : undefined),
      45_000,
    );
    await expect(page.getByTestId('exactly-once-health').getAttribute('data-health')).resolves.toBe('ok');
    await expect(page.getByTestId('input-row').count()).resolves.toBe(2);
    await expect(page.getByTestId('output-row').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({
      path: path.join(realStack().runDir, 'insights-exactly-once.png'),
      fullPage: true,
    });
    await context.close();
  });
});
