// kafkajs keeps one RequestQueue per broker connection. After every request it answers, and after
// every check of its pending queue, it calls `scheduleCheckPendingRequests`, which arms a timer for
// `throttledUntil - Date.now()` ms even when nothing is pending and nothing is throttled. Unthrottled,
// `throttledUntil` is -1, so the delay is about minus the epoch: Node clamps it to 1 ms (and, from
// Node 24, prints a TimeoutNegativeWarning), the timer fires `checkPendingRequests`, which schedules
// the next one: every connection that has ever answered a request wakes the event loop every
// millisecond, for ever (kafkajs issues #1704 and #1751, unreleased fixes #1755 and #1768).
//
// Measured with the local broker: a process with an admin client, four transactional producers and a
// consumer, idle for 15 s, ran checkPendingRequests 6,177 times a second and used 4.6 % of a core;
// with this patch 0 times and 0.9 %. On a box whose cores are the bottleneck (docs/benchmarks.md)
// that is CPU the processor's batches, Postgres and the broker do not get.
//
// The patch replaces that one method: with requests pending it behaves exactly as kafkajs's (check
// again when the throttle ends, or in 10 ms if it already has); with none pending it arms a timer only
// while the broker's throttle lasts, and none otherwise. Nothing can be waiting then: a request is
// either sent at once or queued, and queueing it (push) or answering one (fulfillRequest) calls this
// method with the queue non-empty. Like the other kafkajs patches (ADR 0006) it is confined here and
// `installRequestQueueTimerFix` fails loudly if the internals it relies on change.

import { kafkajsRequire } from './kafkajs-internals';

/** The fields of kafkajs's RequestQueue the method reads and writes. */
export interface RequestQueueState {
  throttledUntil: number;
  readonly pending: readonly unknown[];
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL: the retry delay when a pending request could not go yet. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The replacement `scheduleCheckPendingRequests` (exported for its unit test). */
export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  let scheduleAt = this.throttledUntil - Date.now();
  if (this.pending.length > 0) {
    if (scheduleAt <= 0) scheduleAt = CHECK_PENDING_REQUESTS_INTERVAL_MS;
  } else if (scheduleAt <= 0) {
    return;
  }
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, scheduleAt);
}

let installed = false;

/** Patches kafkajs's RequestQueue process-wide (idempotent; works before or after kafkajs loads). */
export function installRequestQueueTimerFix(): void {
  if (installed) return;
  const RequestQueue = kafkajsRequire('./src/network/requestQueue/index.js') as {
    prototype: Record<string, unknown>;
  };
  const original = RequestQueue.prototype['scheduleCheckPendingRequests'];
  const check = RequestQueue.prototype['checkPendingRequests'];
  // The replacement relies on these names and on the interval; a kafkajs that changed them gets no
  // silent half-patch.
  const source = typeof original === 'function' ? original.toString() : '';
  if (
    typeof check !== 'function' ||
    !['throttledUntil', 'pending.length', 'throttleCheckTimeoutId', 'CHECK_PENDING_REQUESTS_INTERVAL'].every(
      (name) => source.includes(name),
    )
  ) {
    throw new Error(
      'kafkajs internals changed: RequestQueue.scheduleCheckPendingRequests is not the one kafkajs-request-queue.ts patches',
    );
  }
  RequestQueue.prototype['scheduleCheckPendingRequests'] = scheduleCheckPendingRequests;
  installed = true;
}
