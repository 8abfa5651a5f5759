import type { DlqGroupsResponse, DlqListResponse, DlqRecord } from '@dedup/contracts';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer, TEST_USERS } from '../support/console-server';
import { produce } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * DLQ triage in the console (issue 14; console production build in real Chromium, a real processor
 * on the real broker and database): poison records land in the DLQ grouped by cause; a viewer sees
 * the groups, the counts and a record whole with the invalid field marked, and no control to change
 * anything; an operator filters to a group, selects records, and discards them behind a confirmation
 * that states the scope and asks why; the processor keeps who and why, and logs the action.
 */
describe('DLQ page in Chromium', () => {
  const name = uniqueName('e2e-dlq');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;

  const NOT_JSON = 6;
  const BAD_TIME = 4;
  const REASON = 'poison from the test producer';
  /** The two groups by their error type, as the processor names them. */
  let notJson: DlqGroupsResponse['groups'][number] | undefined;
  let badTime: DlqGroupsResponse['groups'][number] | undefined;

  beforeAll(async () => {
    await createPipelineTopics(topics);
    await produce(topics.input, [
      ...Array.from({ length: NOT_JSON }, (_, i) => ({ key: `nj${i}`, value: `not json #${i}` })),
      ...Array.from({ length: BAD_TIME }, (_, i) => ({
        key: `bt${i}`,
        value: JSON.stringify({
          event_id: `bad-time-${i}`,
          event_type: 't',
          event_time: 'yesterday',
          payload: {},
          schema_version: 1,
        }),
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        key: `ok${i}`,
        value: JSON.stringify({
          event_id: `ok-${i}`,
          event_type: 'ui.dlq',
          event_time: Date.now(),
          payload: {},
          schema_version: 1,
        }),
      })),
    ]);
    processor = await ProcessorProcess.start(pipelineEnv(name, topics), name);
    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    const groups = await eventually(
      'two DLQ groups of 6 and 4 open records',
      async () => {
        const res = await processor!.get('/api/dlq/groups?status=open');
        if (!res.ok) return undefined;
        const body = (await res.json()) as DlqGroupsResponse;
        const counts = body.groups.map((g) => g.count);
        return body.total === NOT_JSON + BAD_TIME && counts.join(',') === `${NOT_JSON},${BAD_TIME}`
          ? body.groups
          : undefined;
      },
      60_000,
    );
    notJson = groups.find((g) => g.count === NOT_JSON);
    badTime = groups.find((g) => g.count === BAD_TIME);
    expect(notJson?.errorType).toBe('invalid_json');
    expect(badTime?.errorType).toBe('schema_violation');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  const signedIn = async (
    role: keyof typeof TEST_USERS,
    then = '/',
  ): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await consoleServer!.signIn(page, role, then);
    return { context, page };
  };

  const groupRow = (page: Page, cause: string) =>
    page.getByRole('table', { name: 'DLQ groups' }).getByRole('row').filter({ hasText: cause });

  it('shows a viewer the groups, the open count and a record with its invalid field marked, and no control', async () => {
    const { context, page } = await signedIn('viewer');
    // The overview's line on the DLQ, linking to the page.
    const tile = page.getByTestId('overview-dlq');
    await tile.filter({ hasText: String(NOT_JSON + BAD_TIME) }).waitFor();
    await tile.click();
    await page.waitForURL(/\/dlq$/);
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    await page.getByTestId('dlq-open-count').filter({ hasText: /^10$/ }).waitFor();

    for (const group of [notJson!, badTime!]) {
      const row = groupRow(page, group.cause);
      await expect(row.getByTestId('dlq-group-count').innerText()).resolves.toBe(String(group.count));
      await expect(row.getByRole('img').getAttribute('aria-label')).resolves.toMatch(
        new RegExp(`^${group.count} records in the last 24 hours`),
      );
      await expect(row.innerText()).resolves.toContain(topics.input);
    }
    const records = page.getByRole('table', { name: 'DLQ records' }).locator('tbody tr');
    await expect(records.count()).resolves.toBe(NOT_JSON + BAD_TIME);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: /discard/i }).count()).toBe(0);

    // One record of the event_time group, opened by the URL alone.
    const id = badTime!.sampleId;
    await page.goto(`${consoleServer!.baseUrl}/dlq?id=${id}`);
    const drawer = page.getByRole('dialog', { name: `DLQ record ${id}` });
    await drawer.waitFor();
    const marked = drawer.locator('[data-invalid="true"]');
    await expect(marked.count()).resolves.toBe(1);
    await expect(marked.innerText()).resolves.toMatch(/"event_time": "yesterday",[\s\S]*invalid: event_time/);
    await expect(drawer.innerText()).resolves.toMatch(/schema_violation/);
    await expect(drawer.innerText()).resolves.toContain(`topic ${topics.input}, partition 0, offset`);
    expect(await page.getByRole('button', { name: /discard/i }).count()).toBe(0);
    await page.screenshot({ path: path.join(realStack().runDir, 'dlq-record.png') });

    // The record's story: its lineage by its coordinates, its partition's watermark row.
    const lineage = new URL(
      (await drawer.getByTestId('dlq-record-lineage').getAttribute('href')) ?? '',
      consoleServer!.baseUrl,
    );
    expect(lineage.pathname).toBe('/lineage');
    expect([lineage.searchParams.get('topic'), lineage.searchParams.get('partition')]).toEqual([
      topics.input,
      '0',
    ]);
    await expect(
      drawer.getByRole('link', { name: 'partition 0’s watermark' }).getAttribute('href'),
    ).resolves.toBe(`/watermarks?topic=${encodeURIComponent(topics.input)}#p-0`);

    await drawer.getByRole('link', { name: 'Close' }).click();
    await drawer.waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.has('id')).toBe(false);

    // By keyboard: the record's link opens the drawer and focus moves into it; Tab stays inside;
    // Escape closes it, and focus is back on the link that opened it.
    const link = page.getByRole('table', { name: 'DLQ records' }).locator(`[data-record-link="${id}"]`);
    await link.focus();
    await page.keyboard.press('Enter');
    await drawer.waitFor();
    const focused = page.locator(':focus');
    await eventually('focus on the drawer heading', async () =>
      (await drawer
        .getByRole('heading', { name: `Record ${id}` })
        .and(focused)
        .count()) === 1
        ? true
        : undefined,
    );
    for (let i = 0; i < 15; i += 1) {
      await page.keyboard.press(i % 4 === 3 ? 'Shift+Tab' : 'Tab');
      await expect(drawer.locator(':focus').count()).resolves.toBe(1);
    }
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(new URL(page.url()).searchParams.has('id')).toBe(false);
    await eventually('focus back on the record link', async () =>
      (await link.and(focused).count()) === 1 ? true : undefined,
    );
    await context.close();
  });

  it('lets an operator discard selected records of a group with a reason, kept by the processor and logged', async () => {
    const { context, page } = await signedIn('operator', '/dlq');
    await page.getByTestId('dlq-open-count').filter({ hasText: /^10$/ }).waitFor();
    await groupRow(page, notJson!.cause).getByRole('link', { name: 'Show records' }).click();
    await page.waitForURL(new RegExp(`fingerprint=${notJson!.fingerprint}`));
    const table = page.getByRole('table', { name: 'DLQ records' });
    const rows = table.locator('tbody tr');
    await eventually('the group alone listed', async () =>
      (await rows.count()) === NOT_JSON ? true : undefined,
    );
    await expect(rows.first().innerText()).resolves.toMatch(/invalid_json[\s\S]*not json #/);

    const picked: string[] = [];
    for (const row of [rows.nth(0), rows.nth(1)]) {
      const box = row.getByRole('checkbox');
      picked.push(((await box.getAttribute('aria-label')) ?? '').replace('Select record ', ''));
      await box.check();
    }
    expect(picked.every((id) => /^\d+$/.test(id))).toBe(true);
    await page.getByRole('button', { name: 'Discard selected…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect(dialog.innerText()).resolves.toContain(`Discard 2 records of cause ${notJson!.cause}`);

    // No reason: refused in the page, nothing sent.
    await dialog.getByRole('button', { name: 'Discard 2 records' }).click();
    await dialog.getByText('Say why, in a few words').waitFor();
    await dialog.getByLabel('Reason').fill(REASON);
    await dialog.getByRole('button', { name: 'Discard 2 records' }).click();
    await page.getByTestId('dlq-feedback').filter({ hasText: 'Discarded 2 records.' }).waitFor();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('dlq-open-count').filter({ hasText: /^8$/ }).waitFor();
    await eventually('the discarded rows gone from the open list', async () =>
      (await rows.count()) === NOT_JSON - 2 ? true : undefined,
    );
    await expect(groupRow(page, notJson!.cause).getByTestId('dlq-group-count').innerText()).resolves.toBe(
      String(NOT_JSON - 2),
    );
    await page.screenshot({ path: path.join(realStack().runDir, 'dlq.png'), fullPage: true });

    // The processor has them discarded, with who and why.
    const discarded = (await (await processor!.get('/api/dlq?status=discarded')).json()) as DlqListResponse;
    expect(discarded.records.map((r) => r.id).sort()).toEqual([...picked].sort());
    for (const id of picked) {
      const record = (await (await processor!.get(`/api/dlq/${id}`)).json()) as DlqRecord;
      expect(record).toMatchObject({
        status: 'discarded',
        statusReason: REASON,
        statusChangedBy: 'local:operator',
      });
    }
    const actions = (await (await processor!.get('/api/actions?action=dlq.discard')).json()) as {
      actions: { actorName: string | null; result: string }[];
    };
    expect(actions.actions).toHaveLength(1);
    expect(actions.actions[0]).toMatchObject({ actorName: TEST_USERS.operator.name, result: 'ok' });
    await context.close();
  });

  it('lets an operator discard a whole group, its scope stated in words', async () => {
    const { context, page } = await signedIn('operator', '/dlq');
    await page.getByTestId('dlq-open-count').filter({ hasText: /^8$/ }).waitFor();
    await groupRow(page, badTime!.cause).getByRole('button', { name: 'Discard group…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.innerText()).resolves.toContain(
      `Discard all ${BAD_TIME} open records of group ${badTime!.cause}`,
    );
    await dialog.getByLabel('Reason').fill('producer sends dates as words');
    await dialog.getByRole('button', { name: `Discard ${BAD_TIME} records` }).click();
    await page
      .getByTestId('dlq-feedback')
      .filter({ hasText: `Discarded ${BAD_TIME} records.` })
      .waitFor();
    await page.getByTestId('dlq-open-count').filter({ hasText: /^4$/ }).waitFor();
    await expect(groupRow(page, badTime!.cause).count()).resolves.toBe(0);

    // The discarded view lists them, with no control to discard them again.
    await page
      .getByRole('navigation', { name: 'Record status' })
      .getByRole('link', { name: 'discarded' })
      .click();
    await page.waitForURL(/status=discarded/);
    await groupRow(page, badTime!.cause).waitFor();
    expect(await page.getByRole('checkbox').count()).toBe(0);
    expect(await page.getByRole('button', { name: /discard/i }).count()).toBe(0);
    await context.close();
  });
});
