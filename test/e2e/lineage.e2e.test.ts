import { lineageResponseSchema } from '@dedup/contracts';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { produce } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Lineage in the console (issue 15; console production build in real Chromium, a real processor on
 * the real broker and database): on-call searches an event id from a ticket and sees its story: the
 * unique occurrence, the duplicate that was dropped with the record it duplicated, the trace as a
 * link; the same story by the occurrence's dedup key (a link); an unknown id or key says so, with what
 * to check.
 */
describe('lineage page in Chromium', () => {
  const name = uniqueName('e2e-lineage');
  const topics = pipelineTopics(name);
  const EVENT = `payment-${name}`;
  const TRACE = '0af7651916cd43dd8448eb211c80319c';
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;

  const event = (partition: number, key: string) => ({
    key,
    partition,
    value: JSON.stringify({
      event_id: EVENT,
      event_type: 'payment.captured',
      event_time: Date.now(),
      payload: { amount: 12 },
      schema_version: 1,
    }),
  });

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 2 });
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    await produce(topics.input, [
      { ...event(0, 'first'), headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` } },
    ]);
    const seen = (n: number) =>
      eventually(`${n} occurrences`, async () => {
        const res = await processor!.get(`/api/lineage?eventId=${encodeURIComponent(EVENT)}`);
        if (!res.ok) return undefined;
        const body = lineageResponseSchema.parse(await res.json());
        return body.occurrences.length === n ? body : undefined;
      });
    await seen(1);
    await produce(topics.input, [event(1, 'retry')]);
    await seen(2);
    consoleServer = await ConsoleServer.start(processor.baseUrl, name, {
      TRACE_URL_TEMPLATE: 'https://traces.example/trace/{traceId}',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  it('shows a viewer every occurrence of an event id, the duplicate naming its first', async () => {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await consoleServer!.signIn(page, 'viewer', '/lineage');
    await page.getByRole('link', { name: 'Lineage' }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Lineage' }).waitFor();

    const form = page.getByRole('form', { name: 'Search lineage' });
    await form.getByLabel('Event id').fill(EVENT);
    await form.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('eventId') === EVENT);

    const timeline = page.getByRole('list', { name: 'Lineage' });
    const occurrences = timeline.getByTestId('occurrence');
    await occurrences.nth(1).waitFor();
    await expect(occurrences.count()).resolves.toBe(2);
    const [unique, duplicate] = [occurrences.nth(0), occurrences.nth(1)];
    await expect(unique.getAttribute('data-outcome')).resolves.toBe('unique');
    await expect(duplicate.getAttribute('data-outcome')).resolves.toBe('duplicate');
    await expect(unique.getByTestId('occurrence-coordinates').innerText()).resolves.toBe(
      `${topics.input}/0/0`,
    );
    await expect(duplicate.getByTestId('occurrence-coordinates').innerText()).resolves.toBe(
      `${topics.input}/1/0`,
    );
    await expect(duplicate.getByTestId('occurrence-decision').innerText()).resolves.toMatch(
      new RegExp(
        `^duplicate of ${topics.input}/0/0 \\(first seen \\d{4}-\\d{2}-\\d{2} [\\d:.]+ UTC\\) by event_id$`,
      ),
    );
    await expect(unique.getByTestId('occurrence-origin').innerText()).resolves.toBe('live pipeline');
    // The trace id is a link built from the console's template.
    await expect(unique.getByRole('link', { name: TRACE }).getAttribute('href')).resolves.toBe(
      `https://traces.example/trace/${TRACE}`,
    );
    await page.screenshot({ path: path.join(realStack().runDir, 'lineage.png'), fullPage: true });

    // A partition links to its watermark row, naming the record's topic.
    await expect(
      unique.getByRole('link', { name: 'partition 0’s watermark' }).getAttribute('href'),
    ).resolves.toBe(`/watermarks?topic=${encodeURIComponent(topics.input)}#p-0`);

    // The dedup key is a link that searches by it: the form shows the key, the summary names it.
    const key = `event_id:${EVENT}`;
    await expect(unique.getByTestId('occurrence-dedup-key').innerText()).resolves.toBe(key);
    await unique.getByRole('link', { name: key }).click();
    await page.waitForURL((url) => url.searchParams.get('dedupKey') === key);
    await page.getByRole('heading', { name: `2 occurrences of dedup key ${key}, oldest first.` }).waitFor();
    await expect(form.getByLabel('Dedup key').inputValue()).resolves.toBe(key);
    await expect(form.getByLabel('Event id').inputValue()).resolves.toBe('');
    await expect(timeline.getByTestId('occurrence').count()).resolves.toBe(2);
    // The key searched for is not a link to itself.
    await expect(timeline.getByRole('link', { name: key }).count()).resolves.toBe(0);
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('eventId') === EVENT);
    await occurrences.nth(1).waitFor();

    // The duplicate's first occurrence links to a search by its coordinates: the same story.
    await duplicate.getByRole('link', { name: `${topics.input}/0/0` }).click();
    await page.waitForURL((url) => url.searchParams.get('offset') === '0' && url.searchParams.has('topic'));
    await eventually('the same two occurrences by coordinates', async () =>
      (await page.getByRole('list', { name: 'Lineage' }).getByTestId('occurrence').count()) === 2
        ? true
        : undefined,
    );

    // An id the audit never saw: the empty state, with what to check.
    await page.goto(`${consoleServer!.baseUrl}/lineage?eventId=never-${name}`);
    const empty = page.getByTestId('lineage-empty');
    await empty.waitFor();
    await expect(empty.innerText()).resolves.toMatch(/No record of this event in the audit[\s\S]*retention/);

    // A key the audit never saw: the empty state says what to check about a key.
    await page.goto(
      `${consoleServer!.baseUrl}/lineage?dedupKey=${encodeURIComponent(`event_id:never-${name}`)}`,
    );
    await expect(page.getByTestId('lineage-empty').innerText()).resolves.toMatch(
      /No record with this dedup key in the audit[\s\S]*strategy prefix/,
    );

    // A bad search: said in the page, nothing asked of the processor.
    await page.goto(`${consoleServer!.baseUrl}/lineage?topic=${topics.input}&partition=0&offset=abc`);
    await expect(page.getByTestId('lineage-problems').innerText()).resolves.toContain(
      'Offset: an offset: a whole number.',
    );
    await context.close();
  });
});
