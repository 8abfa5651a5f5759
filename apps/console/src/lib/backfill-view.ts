import type { BackfillAction, BackfillJob, BackfillPartition } from '@dedup/contracts';

/*
 * What the backfills page shows, as pure functions of the contract's job: labels, numbers, which
 * actions a job allows. Shared by server and client rendering; no React, no server-only imports.
 */

export type BackfillJobStatus = BackfillJob['status'];

/** Fixed locale: the server and the browser must print the same digits (hydration), and ops read en. */
const countFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return countFormat.format(n);
}

/**
 * Share done as a percentage with one decimal, rounded down so a job shows 100 % only once every
 * record is processed (99.96 % must not read as done).
 */
export function progressPercent(progress: number): number {
  if (!Number.isFinite(progress) || progress <= 0) return 0;
  if (progress >= 1) return 100;
  return Math.floor(progress * 1000) / 10;
}

export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)} %`;
}

/** A span for people: "<1 s", "42 s", "3 min 05 s", "2 h 07 min", "3 d 4 h". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return seconds === 0 ? '0 s' : '<1 s';
  // Rounded up: an ETA that reads "0" while records are left would be a lie.
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3_600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${pad(Math.floor((s % 3_600) / 60))} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3_600)} h`;
}

/** How long `records` take at the job's rate limit (the fastest it will go), in seconds. */
export function estimatedDurationSeconds(records: number, maxEventsPerSecond: number): number | null {
  if (maxEventsPerSecond <= 0) return null;
  return records / maxEventsPerSecond;
}

/** The pause/resume/cancel buttons a job in this status shows; none for a finished job or a preview. */
export function allowedActions(status: BackfillJobStatus): readonly BackfillAction[] {
  switch (status) {
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    case 'completed':
    case 'cancelled':
    case 'failed':
    case 'preview':
      return [];
  }
}

export const ACTION_LABELS: Record<BackfillAction, { verb: string; pending: string; hint: string }> = {
  pause: { verb: 'Pause', pending: 'Pausing…', hint: 'Stops after the batch in flight; resume continues.' },
  resume: { verb: 'Resume', pending: 'Resuming…', hint: 'Continues from the next unprocessed offset.' },
  cancel: {
    verb: 'Cancel',
    pending: 'Cancelling…',
    hint: 'Final: records already written to the target stay there.',
  },
};

/** Names the job by id, or says it is a preview. */
export function jobTitle(job: Pick<BackfillJob, 'id'>): string {
  return job.id === null ? 'Backfill preview' : `Backfill ${job.id}`;
}

/** The confirm question, stating the scope: "Cancel backfill 3: a → b, 1,234 of 5,000 records done?" */
export function confirmQuestion(
  action: BackfillAction,
  job: Pick<BackfillJob, 'id' | 'sourceTopic' | 'targetTopic' | 'processedRecords' | 'totalRecords'>,
): string {
  return (
    `${ACTION_LABELS[action].verb} backfill ${job.id ?? '(preview)'}: ${job.sourceTopic} → ${job.targetTopic}, ` +
    `${formatCount(job.processedRecords)} of ${formatCount(job.totalRecords)} records done?`
  );
}

/** "p0 10–200, p1 0–50": an offset range as an operator reads it (start inclusive, end exclusive). */
export function describeOffsets(
  partitions: readonly { partition: number; start: string; end: string }[],
): string {
  return [...partitions]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => `p${p.partition} ${p.start}–${p.end}`)
    .join(', ');
}

/** Partitions by number, so the expand view reads p0, p1, … whatever order the processor sent. */
export function sortedPartitions(partitions: readonly BackfillPartition[]): BackfillPartition[] {
  return [...partitions].sort((a, b) => a.partition - b.partition);
}

/** A partition's share done; an empty partition is done by definition. */
export function partitionProgress(p: BackfillPartition): number {
  return p.totalRecords === 0 ? 1 : Math.min(1, p.processedRecords / p.totalRecords);
}

/** The anchor of a job's card on the Backfills page (where lineage links a backfill's occurrence). */
export function backfillAnchor(id: string): string {
  return `backfill-${id}`;
}

export function backfillHref(id: string): string {
  return `/backfills#${backfillAnchor(id)}`;
}
