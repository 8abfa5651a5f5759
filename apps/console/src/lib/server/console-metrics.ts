import { Counter, Registry } from 'prom-client';

/*
 * The console's own metrics, at `GET /metrics` (docs/metrics.md): what it refused and why, and
 * sign-ins by result. One registry per process, kept on globalThis: Next bundles the proxy, route
 * handlers and server actions apart, and all of them count here. Server-only.
 */

export type ConsoleRefusal =
  /** A console API call without a session (401). */
  | 'unauthenticated'
  /** A mutation that was cross-site or lacked the session's CSRF token (403). */
  | 'csrf'
  /** Sign-in attempts over the per-address limit (429). */
  | 'rate_limited_signin_address'
  /** A user name locked after too many failed sign-ins. */
  | 'rate_limited_signin_user'
  /** Mutations over the per-person limit (429). */
  | 'rate_limited_mutation';

export const CONSOLE_REFUSALS: readonly ConsoleRefusal[] = [
  'unauthenticated',
  'csrf',
  'rate_limited_signin_address',
  'rate_limited_signin_user',
  'rate_limited_mutation',
];

class ConsoleMetrics {
  readonly registry = new Registry();
  private readonly refusals = new Counter({
    name: 'dedup_console_refusals_total',
    help: 'Console requests refused, by reason (docs/access-control.md)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly signIns = new Counter({
    name: 'dedup_console_sign_ins_total',
    help: 'Sign-in attempts with a password, by result (ok, failed)',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor() {
    // Every series from the start, so a rate over them is 0, not absent.
    for (const reason of CONSOLE_REFUSALS) this.refusals.inc({ reason }, 0);
    for (const result of ['ok', 'failed']) this.signIns.inc({ result }, 0);
  }

  refused(reason: ConsoleRefusal): void {
    this.refusals.inc({ reason });
  }

  signIn(result: 'ok' | 'failed'): void {
    this.signIns.inc({ result });
  }
}

const KEY = Symbol.for('dedup.console.metrics');

export function consoleMetrics(): ConsoleMetrics {
  const holder = globalThis as { [KEY]?: ConsoleMetrics };
  holder[KEY] ??= new ConsoleMetrics();
  return holder[KEY];
}
