import type { DlqGroupsResponse } from '@dedup/contracts';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { produce } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The console's fit and finish (issue 15, part 6; production build in real Chromium, a real
 * processor on the real broker and database): the theme follows the OS and the operator's choice
 * survives a reload from the first paint; the first Tab stop skips the navigation; Escape closes a
 * confirmation and gives focus back; and with the processor gone, a page says so in its error
 * boundary, with the processor failure's words and Retry.
 */
describe('console fit and finish in Chromium', () => {
  const name = uniqueName('e2e-finish');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    await createPipelineTopics(topics);
    await produce(topics.input, [{ key: 'poison', value: 'not json at all' }]);
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    await eventually('one open DLQ group', async () => {
      const res = await processor!.get('/api/dlq/groups?status=open');
      return res.ok && ((await res.json()) as DlqGroupsResponse).total === 1 ? true : undefined;
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

  // A string, evaluated in the page: the test project has no DOM types.
  const bodyBackground = async (page: Page): Promise<string> =>
    String(await page.evaluate('getComputedStyle(document.body).backgroundColor'));
  /** Whether `locator` is the element with focus. */
  const hasFocus = async (page: Page, locator: Locator): Promise<boolean> =>
    (await locator.and(page.locator(':focus')).count()) === 1;
  /** Relative luminance, enough to tell a dark page from a light one. */
  const luminance = (rgb: string): number => {
    const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
    return (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255;
  };

  it('follows the OS colour scheme, and keeps the chosen theme across a reload', async () => {
    const page = await context!.newPage();
    await consoleServer!.signIn(page, 'operator', '/dlq');
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();

    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await bodyBackground(page);
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await bodyBackground(page);
    expect(dark).not.toBe(light);
    expect(luminance(dark)).toBeLessThan(0.2);
    expect(luminance(light)).toBeGreaterThan(0.8);
    const theme = page.getByRole('group', { name: 'Theme' });
    await expect(theme.getByRole('radio', { name: 'System' }).isChecked()).resolves.toBe(true);

    // The OS says light; the operator picks dark. It applies at once and survives a reload, already
    // in the server's HTML (no flash of the light theme before a script runs).
    await theme.getByRole('radio', { name: 'Dark' }).check();
    await eventually('the dark theme applied', async () =>
      (await bodyBackground(page)) === dark ? true : undefined,
    );
    const reloaded = await page.reload();
    expect(await reloaded?.text()).toMatch(/<html[^>]* data-theme="dark"/);
    await expect(bodyBackground(page)).resolves.toBe(dark);
    await expect(theme.getByRole('radio', { name: 'Dark' }).isChecked()).resolves.toBe(true);
    await page.getByTestId('dlq-open-count').waitFor();
    await page.screenshot({ path: path.join(realStack().runDir, 'fit-and-finish-dark.png'), fullPage: true });

    // Back to the OS preference: the cookie goes, the page follows the (emulated) OS again.
    await theme.getByRole('radio', { name: 'System' }).check();
    await page.reload();
    await expect(bodyBackground(page)).resolves.toBe(light);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect(bodyBackground(page)).resolves.toBe(dark);
    await page.close();
  });

  it('makes "Skip to content" the first Tab stop, and moves focus to the page', async () => {
    const page = await context!.newPage();
    await page.goto(`${consoleServer!.baseUrl}/dlq`);
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(hasFocus(page, skip)).resolves.toBe(true);
    // Hidden until focused, then on screen.
    const box = await skip.boundingBox();
    expect(box !== null && box.y >= 0).toBe(true);
    await page.keyboard.press('Enter');
    await expect(hasFocus(page, page.locator('main#main'))).resolves.toBe(true);
    await page.close();
  });

  it('closes the discard confirmation on Escape, focus back on the button that opened it', async () => {
    const page = await context!.newPage();
    await page.goto(`${consoleServer!.baseUrl}/dlq`);
    const button = page.getByRole('button', { name: 'Discard group…' });
    // Enabled once hydrated (a click before that would be lost).
    await eventually('the button enabled', async () => ((await button.isEnabled()) ? true : undefined));
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    // The reason field has focus.
    await expect(hasFocus(page, dialog.getByLabel('Reason'))).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(hasFocus(page, button)).resolves.toBe(true);
    // Nothing was discarded.
    await expect(page.getByTestId('dlq-open-count').innerText()).resolves.toBe('1');
    await page.close();
  });

  it("shows the section's error boundary, with the processor's words and Retry, when the processor is down", async () => {
    await processor!.stop();
    const page = await context!.newPage();
    await page.goto(`${consoleServer!.baseUrl}/dlq`);
    const boundary = page.getByTestId('section-error');
    await boundary.waitFor();
    await expect(boundary.getByRole('heading', { level: 1 }).innerText()).resolves.toBe('Dead letters');
    await expect(boundary.getByRole('alert').innerText()).resolves.toMatch(
      /^Could not read the dead-letter records: the processor did not answer\. Processor at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)\.$/,
    );
    // The navigation is still there; Retry asks again (and, the processor still down, says so again).
    await page.getByRole('navigation', { name: 'Console sections' }).waitFor();
    await boundary.getByRole('button', { name: 'Retry', exact: true }).click();
    await boundary.getByRole('button', { name: 'Retry', exact: true }).waitFor();
    await expect(boundary.getByRole('alert').innerText()).resolves.toContain('is unreachable');
    await page.screenshot({
      path: path.join(realStack().runDir, 'fit-and-finish-error.png'),
      fullPage: true,
    });
    await page.close();
  });
});
