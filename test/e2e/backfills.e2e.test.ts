import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { createTopics, produce, readExactly } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The backfills page (console production build in real Chromium) driving a real processor on the real
 * broker: create with a preview, follow the progress live, pause/resume/cancel behind a confirm step
 * that states the scope, and the processor's 4xx messages shown to the operator as it wrote them.
 */
describe('backfills page in Chromium', () => {
  const name = uniqueName('e2e-bf');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;

  const UNIQUE = 40;
  const RESENT = 20;
  const N = UNIQUE + RESENT;
  const uniqueIds = Array.from({ length: UNIQUE }, (_, i) => `bf-e2e-${i}`);
  const message = (id: string, key: string) => ({
    key,
    value: JSON.stringify({
      event_id: id,
      event_type: 'ui.backfill',
      event_time: Date.now(),
      payload: {},
      schema_version: 1,
    }),
  });

  beforeAll(async () => {
    await createTopics({
      [topics.input]: 2,
      [topics.output]: 2,
      [topics.duplicates]: 1,
      [topics.late]: 1,
      [topics.dlq]: 1,
    });
    // Every event once, then half of them again: under another key, so some land on the other partition.
    await produce(topics.input, [
      ...uniqueIds.map((id, i) => message(id, `k${i}`)),
      ...uniqueIds.slice(0, RESENT).map((id, i) => message(id, `again-${i}`)),
    ]);
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { BACKFILL_POLL_INTERVAL_MS: '250' }),
      name,
    );
    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  const openPage = async (): Promise<Page> => {
    const page = await browser!.newPage();
    await consoleServer!.signIn(page, 'operator', '/backfills');
    await page.getByRole('heading', { level: 1, name: 'Backfills' }).waitFor();
    return page;
  };

  /** Fills the create form for an unbounded time range of the pipeline input and asks for a preview. */
  const preview = async (page: Page, target: string, rate: number): Promise<void> => {
    await page.getByLabel('Source topic').fill('');
    await page.getByLabel('Target topic').fill(target);
    await page.getByRole('radio', { name: 'By record time' }).check();
    await page.getByLabel(/^From/).fill('');
    await page.getByLabel(/^To/).fill('');
    await page.getByLabel('Max events/s').fill(String(rate));
    await page.getByLabel('Reason').fill(`e2e: ${target}`);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByTestId('backfill-preview').waitFor();
  };

  const jobCard = (page: Page, target: string): Locator =>
    page.locator('article').filter({ hasText: `${topics.input} → ${target}` });

  const text = async (locator: Locator): Promise<string> => (await locator.textContent()) ?? '';

  const waitForStatus = (card: Locator, status: string): Promise<true> =>
    eventually(
      `status ${status}`,
      async () => ((await text(card.getByTestId('backfill-status'))) === status ? true : undefined),
      30_000,
      200,
    );

  const processorPost = async (pathname: string, body?: unknown) => {
    const res = await processor!.call('POST', pathname, body);
    return { status: res.status, body: (await res.json()) as { message?: unknown } };
  };

  it('shows the processor 400 for a bad request, previews N records, and follows the job to 100 %', async () => {
    const page = await openPage();

    // Target = source: the processor refuses it; the operator reads the processor's own words.
    const refused = await processorPost('/api/backfills/preview', {
      sourceTopic: topics.input,
      targetTopic: topics.input,
      range: { kind: 'time' },
    });
    expect(refused.status).toBe(400);
    expect(typeof refused.body.message).toBe('string');
    await page.getByLabel('Source topic').fill(topics.input);
    await page.getByLabel('Target topic').fill(topics.input);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const formError = page.getByTestId('backfill-form-error');
    await formError.waitFor();
    expect(await text(formError)).toBe(refused.body.message);
    expect(await page.getByTestId('backfill-preview').count()).toBe(0);

    // 15 events/s over 60 records: about four seconds, long enough to watch it move.
    const target = `${name}.backfill`;
    await preview(page, target, 15);
    expect(await text(page.getByTestId('preview-total'))).toBe(String(N));
    expect(await formError.count()).toBe(0);
    await page.getByRole('button', { name: 'Start backfill' }).click();

    const card = jobCard(page, target);
    await card.waitFor();
    const bar = card.getByRole('progressbar', { name: /^Backfill \S+ progress$/ });
    const seen: number[] = [];
    await eventually(
      'the progress bar at 100 %',
      async () => {
        const now = Number(await bar.getAttribute('aria-valuenow'));
        seen.push(now);
        return now === 100 ? true : undefined;
      },
      60_000,
      200,
    );
    // It moved on screen (live polling), rather than appearing finished.
    expect(Math.min(...seen)).toBeLessThan(100);
    await waitForStatus(card, 'completed');
    expect(await text(card.getByTestId('backfill-processed'))).toBe(String(N));
    expect(await text(card.getByTestId('backfill-total'))).toBe(String(N));
    expect(await card.getByRole('button').count()).toBe(0);
    await page.screenshot({ path: path.join(realStack().runDir, 'backfills.png'), fullPage: true });

    // The target holds every event exactly once: the re-sends were duplicates in the job's own state.
    const records = await readExactly(target, UNIQUE);
    const ids = records.map((r) => (JSON.parse(r.payload ?? 'null') as { event_id: string }).event_id);
    expect([...ids].sort()).toEqual([...uniqueIds].sort());
  });

  it('pauses, resumes and cancels, each after a confirm step that states the scope', async () => {
    const page = await openPage();
    // 2 events/s: the job runs for half a minute, the time the steps below need.
    const target = `${name}.backfill-slow`;
    await preview(page, target, 2);
    await page.getByRole('button', { name: 'Start backfill' }).click();
    const card = jobCard(page, target);
    await card.waitFor();
    await waitForStatus(card, 'running');
    const id = /^Backfill (\S+)$/.exec(await text(card.getByRole('heading', { level: 3 })))?.[1];
    expect(id).toBeDefined();

    const buttons = async () => card.getByRole('button').allTextContents();
    expect(await buttons()).toEqual(['Pause…', 'Cancel…']);

    // Pause: the question names the job, both topics and the records done so far.
    await card.getByRole('button', { name: `Pause backfill ${id}…` }).click();
    const question = card.getByRole('group', { name: /^Pause backfill/ });
    await question.waitFor();
    expect(await text(question.locator('strong'))).toMatch(
      new RegExp(
        `^Pause backfill ${id}: ${escape(topics.input)} → ${escape(target)}, \\d+ of ${N} records done\\?$`,
      ),
    );
    await card.getByRole('button', { name: `Yes, pause backfill ${id}` }).click();
    await waitForStatus(card, 'paused');
    expect(await buttons()).toEqual(['Resume…', 'Cancel…']);

    // Back leaves the job as it is.
    await card.getByRole('button', { name: `Resume backfill ${id}…` }).click();
    await card.getByRole('button', { name: 'Back', exact: true }).click();
    expect(await card.getByRole('group', { name: /^Resume backfill/ }).count()).toBe(0);
    expect(await text(card.getByTestId('backfill-status'))).toBe('paused');

    await card.getByRole('button', { name: `Resume backfill ${id}…` }).click();
    await card.getByRole('button', { name: `Yes, resume backfill ${id}` }).click();
    await waitForStatus(card, 'running');

    await card.getByRole('button', { name: `Cancel backfill ${id}…` }).click();
    expect(await text(card.getByRole('group', { name: /^Cancel backfill/ }).locator('strong'))).toMatch(
      new RegExp(`^Cancel backfill ${id}: .+, \\d+ of ${N} records done\\?$`),
    );
    await card.getByRole('button', { name: `Yes, cancel backfill ${id}` }).click();
    await waitForStatus(card, 'cancelled');
    expect(await buttons()).toEqual([]);

    // A 409 from the processor passes through the console's route with its status and message.
    const direct = await processorPost(`/api/backfills/${id}/resume`);
    expect(direct.status).toBe(409);
    const csrf = await page.locator('meta[name="dedup-csrf"]').getAttribute('content');
    const viaConsole = await page.evaluate(
      async ({ url, token }) => {
        const res = await fetch(url, { method: 'POST', headers: { 'x-csrf-token': token ?? '' } });
        return { status: res.status, body: (await res.json()) as { error: unknown } };
      },
      { url: `/api/backfills/${id}/resume`, token: csrf },
    );
    expect(viaConsole.status).toBe(409);
    expect(viaConsole.body.error).toBe(direct.body.message);
  });
});

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
