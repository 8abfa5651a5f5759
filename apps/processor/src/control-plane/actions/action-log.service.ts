import { Inject, Injectable } from '@nestjs/common';
import type { ActionResult } from '@dedup/contracts';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../platform/config/app-config';
import { currentRequest, type RequestContext } from '../../platform/http/request-context';
import { ActionLogRepository, type ActionEntry } from './action-log.repository';

/** What a change says about itself when it writes its action row. */
export interface ChangeRecord {
  /** The action when no HTTP call made the change (a job that finished by itself). */
  readonly systemAction: string;
  /** What it acted on, e.g. `backfill/12`. */
  readonly target: string;
  /** Facts of the change beyond the call's input (a job's planned record count, an error). */
  readonly details?: Record<string, unknown>;
  /**
   * A job's own change (a backfill that completed), even when it runs in the async context of a call
   * that started it: a system row, never the call's.
   */
  readonly bySystem?: boolean;
}

/**
 * Exactly one action-log row per logged call (docs/access-control.md):
 * - a change with a transaction writes it inside that transaction (`inTransaction`), so the row
 *   exists if and only if the change does; once the transaction committed, `committed()` marks the
 *   call as logged;
 * - anything else (a dry run, a refusal, a rejection, a failure) is written once the call ends, by
 *   the input interceptor (success) or the exception filter (every error), unless already logged.
 */
@Injectable()
export class ActionLogService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ActionLogRepository) private readonly repository: ActionLogRepository,
  ) {}

  async inTransaction(manager: EntityManager, change: ChangeRecord): Promise<void> {
    const request = currentRequest();
    const entry =
      request?.route?.spec.logged === true && change.bySystem !== true
        ? { ...this.entryFor(request, 'ok', null, null), target: change.target }
        : this.systemEntry(change.systemAction, change.target);
    await this.repository.insert(
      { ...entry, details: { ...entry.details, ...(change.details ?? {}) } },
      manager,
    );
  }

  /** After the transaction of `inTransaction` committed. */
  committed(): void {
    const request = currentRequest();
    if (request?.route?.spec.logged === true) request.actionLogged = true;
  }

  /** The row of a call that wrote none itself; nothing for a route that is not logged. */
  async finish(
    request: RequestContext,
    result: ActionResult,
    statusCode: number,
    error: string | null,
  ): Promise<void> {
    if (request.actionLogged || request.route?.spec.logged !== true) return;
    request.actionLogged = true;
    await this.repository.insert(this.entryFor(request, result, statusCode, error));
  }

  private entryFor(
    request: RequestContext,
    result: ActionResult,
    statusCode: number | null,
    error: string | null,
  ): ActionEntry {
    const principal = request.principal;
    const route = request.route;
    const input = request.input;
    return {
      pipeline: this.config.pipeline.name,
      actor: principal?.id ?? null,
      actorName: principal?.name ?? null,
      actorKind: principal?.kind ?? 'anonymous',
      role: principal?.role ?? null,
      action: route?.id ?? 'unknown',
      method: request.method,
      path: request.path,
      target: request.path,
      // The validated input only: a refused or rejected call's raw body is not kept.
      details:
        input === null ? {} : pruneUndefined({ params: input.params, query: input.query, body: input.body }),
      dryRun: route?.spec.dryRun === true,
      result,
      statusCode: statusCode ?? route?.spec.successStatus ?? null,
      error,
      requestId: request.requestId,
      traceId: request.traceId,
      remoteAddress: request.remoteAddress,
    };
  }

  private systemEntry(action: string, target: string): ActionEntry {
    return {
      pipeline: this.config.pipeline.name,
      actor: null,
      actorName: null,
      actorKind: 'system',
      role: null,
      action,
      method: null,
      path: null,
      target,
      details: {},
      dryRun: false,
      result: 'ok',
      statusCode: null,
      error: null,
      requestId: null,
      traceId: null,
      remoteAddress: null,
    };
  }
}

function pruneUndefined(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
}
