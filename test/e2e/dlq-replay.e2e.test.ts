import {
  dlqGroupsResponseSchema,
  dlqListResponseSchema,
  replayListResponseSchema,
  type DlqGroup,
} from '@dedup/contracts';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer, TEST_USERS } from '../support/console-server';
import { produce, readExactly } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * DLQ replay in the console (issue 14, part 5; console production build in real Chromium, a real
 * processor on the real broker and database). Big events fail under a 400-byte payload limit; the
 * limit is raised (the processor restarted without it); an operator replays the group: a dry-run
 * preview with the exact count, the scope in words and a sample, a rate changed and previewed again,
 * the confirmation, then the run's progress bar to 100 % and its outcome summary, the group gone from
 * the open list, and each event once on the output (read_committed, kcat). A second run is paused,
 * resumed and cancelled behind a confirmation that says what happens to the records. A viewer sees
 * the runs and no control.
 */
describe('DLQ replay in Chromium', () => {
  const name = uniqueName('e2e-replay');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;

  const BIG = 8;
  const SMALL = 3;
  /** Not JSON whatever the limit: they fail again when replayed. */
  const NOT_JSON = 3;
  const REASON = 'payload limit raised to 1 MiB';
  let big: DlqGroup | undefined;
  let notJson: DlqGroup | undefined;

  const event = (id: string, pad: number) => ({
    key: id,
    value: JSON.stringify({
      event_id: id,
      event_type: 'ui.replay',
      event_time: Date.now(),
      payload: { pad: 'x'.repeat(pad) },
      schema_version: 1,
    }),
  });
  const bigIds = Array.from({ length: BIG }, (_, i) => `big-${i}`);
  const smallIds = Array.from({ length: SMALL }, (_, i) => `small-${i}`);

  const openGroups = async (): Promise<{ total: number; groups: DlqGroup[] }> => {
    const res = await processor!.get('/api/dlq/groups?status=open');
    expect(res.status).toBe(200);
    return dlqGroupsResponseSchema.parse(await res.json());
  };

  beforeAll(async () => {
    await createPipelineTopics(topics);
    await produce(topics.input, [
      ...smallIds.map((id) => event(id, 0)),
      // Well over 400 bytes as JSON: payload_too_large under the strict limit.
      ...bigIds.map((id) => event(id, 600)),
      ...Array.from({ length: NOT_JSON }, (_, i) => ({ key: `nj${i}`, value: `not json #${i}` })),
    ]);
    const strict = await ProcessorProcess.start(
      pipelineEnv(name, topics, { MAX_PAYLOAD_BYTES: '400', REPLAY_POLL_INTERVAL_MS: '100' }),
      name,
    );
    processor = strict;
    await readExactly(topics.output, SMALL);
    const groups = await eventually(
      `DLQ groups of ${BIG} and ${NOT_JSON} open records`,
      async () => {
        const open = await openGroups();
        return open.total === BIG + NOT_JSON && open.groups.length === 2 ? open.groups : undefined;
      },
      60_000,
    );
    big = groups.find((g) => g.errorType === 'payload_too_large');
    notJson = groups.find((g) => g.errorType === 'invalid_json');
    expect(big?.count).toBe(BIG);
    expect(notJson?.count).toBe(NOT_JSON);
    // The cause is fixed: the limit is raised.
    await strict.stop();
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { REPLAY_POLL_INTERVAL_MS: '100' }),
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
  const runsSection = (page: Page) => page.getByRole('region', { name: 'Replay runs' });
  const runCard = (page: Page, id: string) => runsSection(page).locator(`[data-replay-id="${id}"]`);
  /** Its text is upper-cased by CSS; `hasText` matches case-insensitively. */
  const statusOf = (card: Locator) => card.getByTestId('replay-status');

  /** The run id the page's feedback names after a start. */
  const startedRunId = async (page: Page, records: number): Promise<string> => {
    const feedback = page
      .getByTestId('dlq-feedback')
      .filter({ hasText: new RegExp(`Replay \\d+ started: ${records} records\\.`) });
    await feedback.waitFor();
    const match = /Replay (\d+) started/.exec(await feedback.innerText());
    expect(match).not.toBeNull();
    return match![1]!;
  };

  it('lets an operator preview a group, change the rate, replay it and watch it to its outcome', async () => {
    const { context, page } = await signedIn('operator', '/dlq');
    await page
      .getByTestId('dlq-open-count')
      .filter({ hasText: new RegExp(`^${BIG + NOT_JSON}$`) })
      .waitFor();
    await runsSection(page).getByTestId('replay-runs-empty').waitFor();

    // The dry run opens with the dialog: the exact count, the scope in words, a sample.
    await groupRow(page, big!.cause).getByRole('button', { name: 'Replay group…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByTestId('replay-count')
      .filter({ hasText: `Replay ${BIG} records?` })
      .waitFor();
    await expect(dialog.getByTestId('replay-preview-scope').innerText()).resolves.toContain(
      `${BIG} records open of cause "${big!.cause}"`,
    );
    const sample = dialog.getByRole('table', { name: 'Sample of the replay' }).locator('tbody tr');
    await expect(sample.count()).resolves.toBe(5);
    await expect(sample.first().innerText()).resolves.toMatch(/payload_too_large[\s\S]*"event_id":"big-/);
    await expect(dialog.getByTestId('replay-pace').innerText()).resolves.toMatch(/^At most \d+ records\/s/);

    // Another rate and a reason: the token binds them, so the preview is made again first.
    await dialog.getByLabel('Max records/s').fill('4');
    await dialog.getByLabel('Reason (optional)').fill(REASON);
    expect(await dialog.getByRole('button', { name: `Replay ${BIG} records` }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Preview again' }).click();
    await dialog
      .getByTestId('replay-pace')
      .filter({ hasText: 'At most 4 records/s: about 2 s on one processor instance.' })
      .waitFor();
    await expect(dialog.getByTestId('replay-count').innerText()).resolves.toBe(`Replay ${BIG} records?`);
    await page.screenshot({ path: path.join(realStack().runDir, 'dlq-replay-preview.png') });

    await dialog.getByRole('button', { name: `Replay ${BIG} records` }).click();
    const runId = await startedRunId(page, BIG);
    await dialog.waitFor({ state: 'detached' });
    // Its records are in the run now: the group leaves the open list.
    await page
      .getByTestId('dlq-open-count')
      .filter({ hasText: new RegExp(`^${NOT_JSON}$`) })
      .waitFor();
    await expect(groupRow(page, big!.cause).count()).resolves.toBe(0);

    const card = runCard(page, runId);
    await expect(card.innerText()).resolves.toContain(`${BIG} records open of cause "${big!.cause}"`);
    const bar = card.getByRole('progressbar', { name: `Replay ${runId} progress` });
    await eventually(
      'the progress bar at 100 %',
      async () => ((await bar.getAttribute('aria-valuenow')) === '100' ? true : undefined),
      60_000,
    );
    await statusOf(card).filter({ hasText: 'completed' }).waitFor();
    await expect(card.getByTestId('replay-summary').innerText()).resolves.toContain(
      `${BIG} unique, 0 duplicate, 0 late, 0 invalid, 0 failed; 0 quarantined`,
    );
    await expect(card.getByTestId('replay-decided').innerText()).resolves.toBe(String(BIG));
    expect(await card.getByRole('button').count()).toBe(0);
    await page.screenshot({
      path: path.join(realStack().runDir, 'dlq-replay-done.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // Each big event on the output once, beside the small ones (read_committed, an independent client).
    const out = await readExactly(topics.output, SMALL + BIG);
    const ids = out.map((r) => (JSON.parse(r.payload ?? 'null') as { event_id: string }).event_id);
    expect(ids.sort()).toEqual([...smallIds, ...bigIds].sort());

    // The processor has the records replayed and the run with who started it and why.
    const replayed = dlqListResponseSchema.parse(
      await (await processor!.get(`/api/dlq?status=replayed&fingerprint=${big!.fingerprint}`)).json(),
    );
    expect(replayed.records).toHaveLength(BIG);
    const runs = replayListResponseSchema.parse(await (await processor!.get('/api/dlq/replays')).json()).runs;
    expect(runs.find((r) => r.id === runId)).toMatchObject({
      status: 'completed',
      total: BIG,
      maxPerSecond: 4,
      reason: REASON,
      startedBy: 'local:operator',
    });
    await context.close();
  });

  it('lets an operator pause, resume and cancel a run, the cancel confirmed with what it does', async () => {
    const { context, page } = await signedIn('operator', '/dlq');
    await groupRow(page, notJson!.cause).getByRole('button', { name: 'Replay group…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByTestId('replay-count')
      .filter({ hasText: `Replay ${NOT_JSON} records?` })
      .waitFor();
    // One record a second: the run lasts long enough to act on.
    await dialog.getByLabel('Max records/s').fill('1');
    await dialog.getByRole('button', { name: 'Preview again' }).click();
    await dialog.getByTestId('replay-pace').filter({ hasText: 'At most 1 record/s: about 3 s' }).waitFor();
    await dialog.getByRole('button', { name: `Replay ${NOT_JSON} records` }).click();
    const runId = await startedRunId(page, NOT_JSON);
    const card = runCard(page, runId);

    await card.getByRole('button', { name: `Pause replay ${runId}` }).click();
    await statusOf(card).filter({ hasText: 'paused' }).waitFor();
    await card.getByRole('button', { name: `Resume replay ${runId}` }).click();
    await statusOf(card).filter({ hasText: 'running' }).waitFor();
    await card.getByRole('button', { name: `Cancel replay ${runId}…` }).click();
    const confirm = card.getByRole('group');
    await expect(confirm.innerText()).resolves.toMatch(
      new RegExp(`Cancel replay ${runId}\\? Records not yet sent go back to open \\(\\d of ${NOT_JSON}\\)`),
    );
    await confirm.getByRole('button', { name: `Yes, cancel replay ${runId}` }).click();
    await statusOf(card).filter({ hasText: 'cancelled' }).waitFor();
    await expect(card.getByTestId('replay-summary').innerText()).resolves.toMatch(
      /^Decided before the cancel:/,
    );

    // Sent or not, every record is open again: unsent ones by the cancel, sent ones failing again.
    await eventually('the not-JSON records open again', async () => {
      const open = await openGroups();
      return open.total === NOT_JSON ? true : undefined;
    });
    await page.reload();
    await page
      .getByTestId('dlq-open-count')
      .filter({ hasText: new RegExp(`^${NOT_JSON}$`) })
      .waitFor();
    await context.close();
  });

  it('shows a viewer the replay runs and their outcome, and no control', async () => {
    const { context, page } = await signedIn('viewer', '/dlq');
    const runs = runsSection(page).getByTestId('replay-run');
    await eventually('both runs listed', async () => ((await runs.count()) === 2 ? true : undefined));
    await expect(runs.nth(1).getByTestId('replay-summary').innerText()).resolves.toContain(
      `${BIG} unique, 0 duplicate, 0 late, 0 invalid, 0 failed; 0 quarantined`,
    );
    await expect(runs.nth(0).getByTestId('replay-status').innerText()).resolves.toMatch(/cancelled/i);
    await groupRow(page, notJson!.cause).waitFor();
    expect(await page.getByRole('button', { name: /replay|pause|resume|cancel|discard/i }).count()).toBe(0);
    expect(await page.getByRole('checkbox').count()).toBe(0);
    await context.close();
  });
});
