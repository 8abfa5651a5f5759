import { OUTCOMES, watermarksResponseSchema, type Outcome } from '@dedup/contracts';
import { Partitioners, type Message, type Producer } from 'kafkajs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { ConsoleServer } from '../support/console-server';
import { produce, testKafka } from '../support/kafka-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, realStack, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * The on-call tour (issue 15's acceptance test; console production build in real Chromium, a real
 * processor on the real broker and database). One pipeline, three input partitions, traffic an
 * on-call person would have to explain:
 * - partition 0 is live (event time at the wall clock), with copies of known events (duplicates) and
 *   one record that is not JSON (a dead letter);
 * - partition 1 is "stuck": its producer is ten minutes behind and stays there. It keeps delivering
 *   records, but its newest event time never moves past H = T − 10 min, so it holds the pipeline
 *   watermark ten minutes behind the clock. (A partition stuck with records behind that nobody
 *   consumes cannot be made with one healthy processor; this is the stuck an on-call person sees on
 *   the Watermarks page.) It also carries records behind the watermark with a known lateness
 *   distribution, log-uniform from 100 ms to 40 s, about half of them beyond the allowed lateness;
 * - partition 2 had one record, older than everything, and then nothing: idle after 10 s, after
 *   which it no longer holds the watermark back.
 * The tour: the overview's totals equal the processor's own counters (/metrics); Watermarks marks
 * partition 1 as holding the watermark back and partition 2 as idle; Late events shows percentiles
 * within 5 % of the injected ones; Lineage of a known duplicate names its first occurrence;
 * Exactly-once shows committed transactions; Dead letters lists the poison record; Backfills and
 * Activity render. Every page is saved as a screenshot in the run directory (light; the overview
 * dark too).
 */
describe('the on-call tour of the console in Chromium', () => {
  const name = uniqueName('e2e-tour');
  const topics = pipelineTopics(name);
  const OUT_OF_ORDERNESS_MS = 500;
  const ALLOWED_MS = 2_000;
  const semantics = {
    maxOutOfOrdernessMs: OUT_OF_ORDERNESS_MS,
    allowedLatenessMs: ALLOWED_MS,
    // Short, so partition 2 goes idle within the test; the live traffic keeps 0 and 1 well inside it.
    idleTimeoutMs: 10_000,
  };
  const T = Date.now();
  /** Partition 1's newest event time: ten minutes behind, for the whole test. */
  const H = T - 10 * 60_000;
  /** The pipeline watermark once partition 2 is idle: partition 1's. */
  const W = H - OUT_OF_ORDERNESS_MS;

  const event = (partition: number, id: string, eventTime: number): Message => ({
    partition,
    value: JSON.stringify({
      event_id: `${id}-${name}`,
      event_type: 'ui.tour',
      event_time: eventTime,
      payload: {},
      schema_version: 1,
    }),
  });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  // What is produced before the live traffic, by outcome.
  const ORIGINALS = 20; // on partition 0 at T, offsets 0 … 19
  const COPIES = 10; // copies of the first ten of them, on partition 0
  /** The duplicate the tour looks up in Lineage: a copy of order-7, first seen at partition 0, offset 7. */
  const KNOWN = 7;
  // Record i is lateness[i] ms behind the watermark W: log-uniform over [100 ms, 40 s], none exactly
  // at the allowed lateness (a record at it is kept, one past it is late: keep the split obvious).
  const N = 300;
  const lateness = range(N).map((i) => {
    const l = Math.round(Math.exp(Math.log(100) + (Math.log(40_000) - Math.log(100)) * ((i + 0.5) / N)));
    return l === ALLOWED_MS ? l + 1 : l;
  });
  const lateValues = lateness.filter((l) => l > ALLOWED_MS);
  const KEPT_BEHIND = N - lateValues.length;
  /** The exact quantile of what was injected (the rank'th smallest, as the API ranks). */
  const quantile = (values: readonly number[], q: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  };

  let processor: ProcessorProcess | undefined;
  let consoleServer: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let live: LiveTraffic | undefined;
  /** Records the live traffic sent (all unique), once it is stopped. */
  let liveRecords = 0;

  /** The processor's own counters, summed per outcome over every series of `dedup_events_total`. */
  const metricsTotals = async (): Promise<Record<Outcome, number>> => {
    const text = await (await processor!.get('/metrics')).text();
    const totals = { unique: 0, duplicate: 0, late: 0, invalid: 0, failed: 0 };
    for (const outcome of OUTCOMES) {
      const series = text.matchAll(
        new RegExp(`^dedup_events_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, 'gm'),
      );
      for (const m of series) totals[outcome] += Number(m[1]);
    }
    return totals;
  };
  const decided = (totals: Record<Outcome, number>) => OUTCOMES.reduce((n, o) => n + totals[o], 0);
  const whenDecided = (what: string, done: (totals: Record<Outcome, number>) => boolean) =>
    eventually(what, async () => {
      const totals = await metricsTotals();
      return done(totals) ? totals : undefined;
    });

  beforeAll(async () => {
    await createPipelineTopics(topics, { input: 3 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, { PIPELINE_SEMANTICS: JSON.stringify(semantics) }),
      name,
    );
    // One at a time, oldest first, so none is behind the watermark when it is decided: partition 2's
    // only record (it holds the watermark back until it is idle), partition 1's head, partition 0's.
    await produce(topics.input, [event(2, 'idle-0', T - 15 * 60_000)]);
    await whenDecided('partition 2’s record', (t) => t.unique === 1);
    await produce(topics.input, [event(1, 'slow-0', H)]);
    await whenDecided('partition 1’s head', (t) => t.unique === 2);
    await produce(
      topics.input,
      range(ORIGINALS).map((i) => event(0, `order-${i}`, T)),
    );
    live = await LiveTraffic.start(topics.input, (n) => [
      event(0, `live-${n}`, Date.now()),
      event(1, `slow-live-${n}`, H),
    ]);

    // Ten seconds after its record, partition 2 is idle and partition 1 holds the watermark at W.
    await eventually(
      'partition 2 idle and partition 1 holding the watermark back',
      async () => {
        const body = watermarksResponseSchema.parse(await (await processor!.get('/api/watermarks')).json());
        const idle = body.partitions.find((p) => p.partition === 2)?.idle;
        return body.heldBackBy === 1 && idle === true && body.pipelineWatermark === new Date(W).toISOString()
          ? body
          : undefined;
      },
      40_000,
    );

    // Behind the watermark on partition 1, copies of known events and a poison record on partition 0.
    await produce(topics.input, [
      ...lateness.map((l, i) => event(1, `behind-${i}`, W - l)),
      ...range(COPIES).map((i) => event(0, `order-${i}`, T)),
      { partition: 0, value: 'not json' },
    ]);
    await whenDecided(
      'the late records, the copies and the poison record',
      (t) => t.late === lateValues.length && t.duplicate === COPIES && t.invalid === 1,
    );

    consoleServer = await ConsoleServer.start(processor.baseUrl, name);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await live?.stop().catch(() => undefined);
    await browser?.close();
    consoleServer?.stop();
    await processor?.stop();
  });

  /** An operator signed in on a page of their own, in light mode (a fresh context: no session left). */
  const signedIn = async (then: string): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser!.newContext({
      viewport: { width: 1400, height: 1000 },
      colorScheme: 'light',
    });
    const page = await context.newPage();
    await consoleServer!.signIn(page, 'operator', then);
    return { context, page };
  };
  const screenshot = (page: Page, file: string) =>
    page.screenshot({ path: path.join(realStack().runDir, file), fullPage: true });

  /** A headline number as text ("1,234"), read as a number. */
  const numberOf = async (page: Page, testId: string): Promise<number> =>
    Number((await page.getByTestId(testId).innerText()).replace(/,/g, ''));

  /** A short duration as the console writes it ("512 ms", "8.93 s"), in ms. */
  const msOf = (text: string): number => {
    const m = /^(\d+(?:\.\d+)?) (ms|s)$/.exec(text);
    if (m === null) throw new Error(`not a short duration: "${text}"`);
    return Number(m[1]) * (m[2] === 's' ? 1_000 : 1);
  };

  it('marks partition 1 as holding the watermark back and partition 2 as idle, while traffic flows', async () => {
    const { context, page } = await signedIn('/watermarks');
    try {
      await page.getByRole('heading', { level: 1, name: 'Watermarks' }).waitFor();
      const table = page.getByRole('table', { name: 'Partitions' });
      await table.getByTestId('partition-row').nth(2).waitFor({ timeout: 30_000 });
      await expect(table.getByTestId('partition-row').count()).resolves.toBe(3);

      const holding = table.locator('[data-testid="partition-row"][data-holding-back="true"]');
      await holding.waitFor({ timeout: 30_000 });
      await expect(holding.count()).resolves.toBe(1);
      await expect(holding.getAttribute('id')).resolves.toBe('p-1');
      await expect(holding.getByTestId('holding-back-badge').innerText()).resolves.toMatch(
        /holds the watermark back/i,
      );
      await expect(holding.getByTestId('partition-state').innerText()).resolves.toBe('active');

      const livePartition = table.locator('#p-0');
      await expect(livePartition.getAttribute('data-holding-back')).resolves.toBeNull();
      await expect(livePartition.getByTestId('partition-state').innerText()).resolves.toBe('active');
      // Partition 2 is the oldest, but idle: it holds nothing back.
      const idle = table.locator('#p-2');
      await expect(idle.getAttribute('data-holding-back')).resolves.toBeNull();
      await expect(idle.getByTestId('partition-state').innerText()).resolves.toMatch(
        /^idle for \d+ (s|min)( \d+ s)?$/,
      );

      await expect(page.getByTestId('held-back').innerText()).resolves.toContain(
        'Partition 1 is the slowest of 2 active partitions: it holds the watermark back.',
      );
      // Partition 1's watermark, W: ten minutes (and the test's seconds so far) behind the clock.
      await expect(page.getByTestId('pipeline-lag').innerText()).resolves.toMatch(/^1[01] min( \d+ s)?$/);
      await screenshot(page, 'tour-watermarks.png');
    } finally {
      await context.close();
      // From here on nothing is produced: every later page reads a state that no longer moves.
      liveRecords = await live!.stop();
      live = undefined;
    }
    expect(liveRecords).toBeGreaterThan(0);
  });

  it('shows on the overview the same totals as the processor’s own counters', async () => {
    const expected: Record<Outcome, number> = {
      unique: 2 + ORIGINALS + liveRecords + KEPT_BEHIND,
      duplicate: COPIES,
      late: lateValues.length,
      invalid: 1,
      failed: 0,
    };
    const metrics = await whenDecided('every record produced', (t) => decided(t) === decided(expected));
    // The counters say what was produced, outcome by outcome; the page is compared with them.
    expect(metrics).toEqual(expected);

    const { context, page } = await signedIn('/?range=15m');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // The page polls every 5 s: wait for it to have every record, then compare outcome by outcome.
    await eventually(
      'the overview’s totals',
      async () => ((await numberOf(page, 'total-decided')) === decided(metrics) ? true : undefined),
      30_000,
    );
    for (const outcome of OUTCOMES) {
      const shown = await numberOf(page, `count-${outcome}`);
      expect({ outcome, shown }).toEqual({ outcome, shown: metrics[outcome] });
    }
    const ratio = (100 * metrics.duplicate) / (metrics.unique + metrics.duplicate);
    await expect(page.getByTestId('duplicate-ratio').innerText()).resolves.toBe(`${ratio.toFixed(1)} %`);
    await expect(page.getByTestId('overview-dlq-open').innerText()).resolves.toBe('1');

    // The charts are drawn before the picture is taken.
    await page.getByTestId('chart-outcomes').locator('svg.recharts-surface').first().waitFor();
    await screenshot(page, 'tour-overview.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'tour-overview-dark.png');
    await context.close();
  });

  it('shows the lateness percentiles of the injected distribution, within 5 %', async () => {
    const { context, page } = await signedIn('/lateness?range=15m');
    await page.getByRole('heading', { level: 1, name: 'Late events' }).waitFor();
    await expect(numberOf(page, 'late-count')).resolves.toBe(lateValues.length);
    await expect(numberOf(page, 'behind-count')).resolves.toBe(N);
    await expect(page.getByTestId('allowed-lateness').innerText()).resolves.toBe('2 s');

    // Both columns: every record behind the watermark, and the late ones only.
    for (const [column, values] of [
      ['behind', lateness],
      ['late', lateValues],
    ] as const) {
      for (const [key, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
        ['p99', 0.99],
      ] as const) {
        const shown = await page.getByTestId(`${column}-${key}`).innerText();
        const want = quantile(values, q);
        const within = Math.abs(msOf(shown) / want - 1) < 0.05;
        expect({ column, key, shown, want, within }).toEqual({ column, key, shown, want, within: true });
      }
    }
    await page.getByTestId('lateness-histogram').locator('svg.recharts-surface').waitFor();
    await expect(page.getByTestId('advice-text').first().innerText()).resolves.toMatch(
      /^To keep 99 % of the late records, allow .+ of lateness \(now 2 s\)/,
    );
    await screenshot(page, 'tour-lateness.png');
    await context.close();
  });

  it('shows the exactly-once health with committed transactions', async () => {
    const { context, page } = await signedIn('/exactly-once?range=15m');
    await page.getByRole('heading', { level: 1, name: 'Exactly-once' }).waitFor();
    await expect(page.getByTestId('guarantee').innerText()).resolves.toBe('exactly once');
    // Transactions are counted from the instances' samples, every 10 s: the page picks them up as it polls.
    await eventually(
      'committed transactions on the page',
      async () => ((await numberOf(page, 'total-committed')) > 0 ? true : undefined),
      45_000,
    );
    await expect(numberOf(page, 'total-aborted')).resolves.toBe(0);
    await expect(page.getByTestId('exactly-once-health').getAttribute('data-health')).resolves.toBe('ok');
    await screenshot(page, 'tour-exactly-once.png');
    await context.close();
  });

  it('finds a known duplicate in Lineage, naming its first occurrence', async () => {
    const { context, page } = await signedIn('/lineage');
    await page.getByRole('heading', { level: 1, name: 'Lineage' }).waitFor();
    const id = `order-${KNOWN}-${name}`;
    const form = page.getByRole('form', { name: 'Search lineage' });
    await form.getByLabel('Event id').fill(id);
    await form.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('eventId') === id);

    const occurrences = page.getByRole('list', { name: 'Lineage' }).getByTestId('occurrence');
    await occurrences.nth(1).waitFor();
    await expect(occurrences.count()).resolves.toBe(2);
    const [first, copy] = [occurrences.nth(0), occurrences.nth(1)];
    const origin = `${topics.input}/0/${KNOWN}`;
    await expect(first.getAttribute('data-outcome')).resolves.toBe('unique');
    await expect(first.getByTestId('occurrence-coordinates').innerText()).resolves.toBe(origin);
    await expect(copy.getAttribute('data-outcome')).resolves.toBe('duplicate');
    // The copy came later on the same partition, after the originals and some live records.
    const at = /^(.+)\/0\/(\d+)$/.exec(await copy.getByTestId('occurrence-coordinates').innerText());
    expect([at?.[1], Number(at?.[2]) >= ORIGINALS]).toEqual([topics.input, true]);
    await expect(copy.getByTestId('occurrence-decision').innerText()).resolves.toMatch(
      new RegExp(`^duplicate of ${origin} \\(first seen \\d{4}-\\d{2}-\\d{2} [\\d:.]+ UTC\\) by event_id$`),
    );
    await expect(copy.getByRole('link', { name: origin }).count()).resolves.toBe(1);
    await screenshot(page, 'tour-lineage.png');
    await context.close();
  });

  it('lists the poison record in Dead letters', async () => {
    const { context, page } = await signedIn('/dlq');
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    await page.getByTestId('dlq-open-count').filter({ hasText: /^1$/ }).waitFor();
    const records = page.getByRole('table', { name: 'DLQ records' }).locator('tbody tr');
    await expect(records.count()).resolves.toBe(1);
    await expect(records.first().innerText()).resolves.toMatch(/invalid_json/);
    await expect(records.first().innerText()).resolves.toContain(topics.input);
    await expect(records.first().innerText()).resolves.toMatch(/partition 0 · offset \d+/);
    await expect(records.first().innerText()).resolves.toContain('not json');
    await screenshot(page, 'tour-dlq.png');
    await context.close();
  });

  it('renders Backfills and Activity', async () => {
    const { context, page } = await signedIn('/backfills');
    await page.getByRole('heading', { level: 1, name: 'Backfills' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Jobs' }).waitFor();
    await expect(page.getByTestId('processor-error').count()).resolves.toBe(0);
    await screenshot(page, 'tour-backfills.png');

    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await expect(page.getByTestId('processor-error').count()).resolves.toBe(0);
    await screenshot(page, 'tour-activity.png');
    await context.close();
  });
});

/**
 * Live traffic: every second, the records `beat(n)` names, through one producer, until stopped. It
 * keeps partitions 0 and 1 active (a partition is idle 10 s after its last record) while on-call
 * looks at the Watermarks page.
 */
class LiveTraffic {
  private sent = 0;
  private stopped = false;
  private failure: Error | undefined;
  private readonly loop: Promise<void>;

  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly beat: (n: number) => Message[],
  ) {
    this.loop = this.run();
  }

  static async start(topic: string, beat: (n: number) => Message[]): Promise<LiveTraffic> {
    const producer = testKafka().producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new LiveTraffic(producer, topic, beat);
  }

  /** Stops sending and returns how many records were sent; a failed send is thrown here. */
  async stop(): Promise<number> {
    this.stopped = true;
    await this.loop;
    await this.producer.disconnect();
    if (this.failure !== undefined) throw this.failure;
    return this.sent;
  }

  private async run(): Promise<void> {
    for (let n = 0; !this.stopped; n += 1) {
      const messages = this.beat(n);
      try {
        await this.producer.send({ topic: this.topic, messages });
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        return;
      }
      this.sent += messages.length;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
