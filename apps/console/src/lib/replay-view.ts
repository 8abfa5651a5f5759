import {
  isReplayableDlqStatus,
  replayPreviewRequestSchema,
  type DlqGroup,
  type DlqSelection,
  type DlqStatus,
  type ReplayAction,
  type ReplayPreview,
  type ReplayPreviewRequest,
  type ReplayRun,
  type ReplayStatus,
} from '@dedup/contracts';
import { formatCount, formatDuration, progressPercent } from './backfill-view';
import { groupSelection, recordsText } from './dlq-view';

/*
 * What the DLQ page shows of a replay (docs/adr/0009), as pure functions: what a replay of selected
 * rows or of a group selects, the request of its preview (the dry run), the words of the
 * confirmation, and a run's progress, ETA, actions and outcome summary. No React, no fetch, no clock.
 */

/** Statuses the processor replays from (the contract's); other rows offer no replay. */
export function isReplayable(status: DlqStatus): boolean {
  return isReplayableDlqStatus(status);
}

// ---- Selection and preview ----

/** Selected rows as a replay's selection: by id, so exactly those (if still open or quarantined). */
export function selectedReplaySelection(ids: readonly string[]): DlqSelection {
  return { ids: [...ids] };
}

/**
 * A group as a replay's selection: the same as its discard's (the status shown, failed up to its
 * newest failure as shown), so a record that fails while the operator reads is not replayed unseen.
 */
export function groupReplaySelection(
  group: Pick<DlqGroup, 'fingerprint' | 'lastFailureAt'>,
  status: DlqStatus,
): DlqSelection {
  return groupSelection(group, status);
}

/** What the operator typed in the dialog: the rate cap and the reason, as text. */
export interface ReplayInputs {
  readonly maxPerSecond: string;
  readonly reason: string;
}

export type ReplayInputProblems = Partial<Record<keyof ReplayInputs, string>>;

export type BuiltPreviewRequest =
  | { readonly ok: true; readonly request: ReplayPreviewRequest }
  | { readonly ok: false; readonly problems: ReplayInputProblems };

const requestShape = replayPreviewRequestSchema.shape;

/**
 * The preview request for a selection and the dialog's inputs. An empty rate is the processor's
 * default; an empty reason is none. The token a preview answers binds the set, the rate and the
 * reason alike: changing either means previewing again.
 */
export function previewRequest(selection: DlqSelection, inputs: ReplayInputs): BuiltPreviewRequest {
  const problems: ReplayInputProblems = {};
  const rateText = inputs.maxPerSecond.trim();
  let maxPerSecond: number | undefined;
  if (rateText !== '') {
    // Digits only: Number() would take `1e3`, `0x10` or `12.0`.
    const parsed = /^\d{1,6}$/.test(rateText) ? requestShape.maxPerSecond.safeParse(Number(rateText)) : null;
    if (parsed?.success === true) maxPerSecond = parsed.data;
    else problems.maxPerSecond = 'A whole number of records per second, from 1 to 100,000.';
  }
  const reason = inputs.reason.trim();
  if (!requestShape.reason.safeParse(reason).success) problems.reason = 'At most 500 characters.';
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    request: {
      selection,
      ...(maxPerSecond === undefined ? {} : { maxPerSecond }),
      ...(reason === '' ? {} : { reason }),
    },
  };
}

/** Whether the dialog's inputs still say what the preview was made with (else: preview again). */
export function matchesPreview(
  inputs: ReplayInputs,
  previewed: { readonly maxPerSecond: number; readonly reason: string },
): boolean {
  const rate = inputs.maxPerSecond.trim();
  return (
    (rate === '' || rate === String(previewed.maxPerSecond)) && inputs.reason.trim() === previewed.reason
  );
}

/** The confirmation's question, with the exact count the preview found. */
export function replayQuestion(count: number): string {
  return count === 0 ? 'Nothing to replay' : `Replay ${recordsText(count)}?`;
}

/** "At most 100 records/s: about 2 s on one processor instance." */
export function previewPaceText(preview: Pick<ReplayPreview, 'maxPerSecond' | 'estimatedSeconds'>): string {
  return (
    `At most ${recordsText(preview.maxPerSecond)}/s: about ` +
    `${formatDuration(preview.estimatedSeconds)} on one processor instance.`
  );
}

/** "Sample: the first 5 of 8 records." */
export function sampleCaption(shown: number, count: number): string {
  return shown >= count
    ? `The ${shown === 1 ? 'record' : `${formatCount(shown)} records`}:`
    : `Sample: the first ${formatCount(shown)} of ${recordsText(count)}:`;
}

// ---- Runs ----

export function isActive(status: ReplayStatus): boolean {
  return status === 'running' || status === 'paused';
}

export function anyActive(runs: readonly Pick<ReplayRun, 'status'>[]): boolean {
  return runs.some((run) => isActive(run.status));
}

/**
 * Whether a run that was running or paused in `before` is finished (or gone) in `after`: its
 * records changed status (replayed, back to open, quarantined), so the lists around it are stale.
 */
export function finishedSince(
  before: readonly Pick<ReplayRun, 'id' | 'status'>[],
  after: readonly Pick<ReplayRun, 'id' | 'status'>[],
): boolean {
  const now = new Map(after.map((run) => [run.id, run.status]));
  return before.some((run) => {
    if (!isActive(run.status)) return false;
    const status = now.get(run.id);
    return status === undefined || !isActive(status);
  });
}

/** The list with `run` in it (replaced, or added), newest (highest id) first. */
export function upsertRun<R extends Pick<ReplayRun, 'id'>>(runs: readonly R[], run: R): R[] {
  const others = runs.filter((r) => r.id !== run.id);
  return [run, ...others].sort((a, b) => compareIds(b.id, a.id));
}

/** Ids are whole numbers as text, possibly longer than a double holds exactly. */
function compareIds(a: string, b: string): number {
  return a.length === b.length ? a.localeCompare(b) : a.length - b.length;
}

/**
 * The runs shown at once: every running or paused one and the newest `recentFinished` finished
 * ones, in list order; the older finished ones are folded away.
 */
export function splitRuns<R extends Pick<ReplayRun, 'status'>>(
  runs: readonly R[],
  recentFinished = 3,
): { shown: R[]; older: R[] } {
  const shown: R[] = [];
  const older: R[] = [];
  let finished = 0;
  for (const run of runs) {
    if (isActive(run.status)) shown.push(run);
    else if (finished < recentFinished) {
      finished += 1;
      shown.push(run);
    } else older.push(run);
  }
  return { shown, older };
}

/**
 * A run's scope in words with its size: "8 records open of cause …". The processor keeps a run's
 * scope without the count (the preview's has it); one that starts with a number is kept as it is.
 */
export function runScope(run: Pick<ReplayRun, 'scope' | 'total'>): string {
  return /^\d/.test(run.scope) ? run.scope : `${recordsText(run.total)} ${run.scope}`;
}

/** Share decided, 0…1: by the numbers shown beside the bar (the processor's own for an empty run). */
export function replayProgress(run: Pick<ReplayRun, 'decided' | 'total' | 'progress'>): number {
  return run.total > 0 ? Math.min(1, run.decided / run.total) : run.progress;
}

/** Share decided, as a percentage rounded down (100 % only once every record is decided). */
export function replayPercent(run: Pick<ReplayRun, 'decided' | 'total' | 'progress'>): number {
  return progressPercent(replayProgress(run));
}

/** "6 unique, 1 duplicate, 0 late, 0 invalid, 0 failed; 0 quarantined": the first decisions. */
export function outcomeSummary(run: Pick<ReplayRun, 'outcomes' | 'quarantined'>): string {
  const { unique, duplicate, late, invalid, failed } = run.outcomes;
  return (
    `${formatCount(unique)} unique, ${formatCount(duplicate)} duplicate, ${formatCount(late)} late, ` +
    `${formatCount(invalid)} invalid, ${formatCount(failed)} failed; ${formatCount(run.quarantined)} quarantined`
  );
}

/** What the run's ETA reads, by status: a finished or paused run has none. */
export function replayEtaText(
  run: Pick<ReplayRun, 'status' | 'etaSeconds' | 'published' | 'decided' | 'total'>,
): string {
  switch (run.status) {
    case 'running':
      if (run.published >= run.total && run.decided < run.total) {
        return `all sent; ${recordsText(run.total - run.decided)} still to be decided`;
      }
      return run.etaSeconds === null ? 'ETA –' : `ETA ${formatDuration(run.etaSeconds)}`;
    case 'paused':
      return 'paused: nothing more is sent until it is resumed';
    case 'completed':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
    case 'preview':
      return 'not started';
  }
}

/** "4.2 records/s (cap 100/s)": the rate of the last 10 s against the run's cap. */
export function replayRateText(run: Pick<ReplayRun, 'rate' | 'maxPerSecond'>): string {
  const rate = Number.isFinite(run.rate) ? Math.max(0, run.rate) : 0;
  return `${rate.toFixed(1)} records/s (cap ${formatCount(run.maxPerSecond)}/s)`;
}

/** The buttons a run in this status shows (to operators); none once it is finished. */
export function replayActions(status: ReplayStatus): readonly ReplayAction[] {
  switch (status) {
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    case 'completed':
    case 'cancelled':
    case 'preview':
      return [];
  }
}

export const REPLAY_ACTION_LABELS: Record<ReplayAction, { verb: string; pending: string }> = {
  pause: { verb: 'Pause', pending: 'Pausing…' },
  resume: { verb: 'Resume', pending: 'Resuming…' },
  cancel: { verb: 'Cancel', pending: 'Cancelling…' },
};

/** The cancel confirmation, stating what happens to the records sent and not yet sent. */
export function cancelQuestion(run: Pick<ReplayRun, 'id' | 'published' | 'total'>): string {
  const left = Math.max(0, run.total - run.published);
  return (
    `Cancel replay ${run.id}? Records not yet sent go back to open (${formatCount(left)} of ` +
    `${formatCount(run.total)}); the ${formatCount(run.published)} already sent are still decided. ` +
    'This is final.'
  );
}

/** What the page says once a run started. */
export function startedMessage(run: Pick<ReplayRun, 'id' | 'total'>): string {
  return `Replay ${run.id} started: ${recordsText(run.total)}.`;
}

/** The anchor of a run's card on the DLQ page: a run has no page of its own. */
export function replayRunAnchor(runId: string): string {
  return `replay-${runId}`;
}

export function replayRunHref(runId: string): string {
  return `/dlq#${replayRunAnchor(runId)}`;
}
