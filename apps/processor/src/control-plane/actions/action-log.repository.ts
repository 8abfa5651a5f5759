import { Inject, Injectable } from '@nestjs/common';
import type { ActionListQuery, ActionResult, OperatorAction, Role } from '@dedup/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { pgJson, pgText } from '../../adapters/postgres/pg-text';

/** One row of the operator action log, as written. */
export interface ActionEntry {
  readonly pipeline: string;
  readonly actor: string | null;
  readonly actorName: string | null;
  readonly actorKind: OperatorAction['actorKind'];
  readonly role: Role | null;
  readonly action: string;
  readonly method: string | null;
  readonly path: string | null;
  readonly target: string;
  readonly details: Record<string, unknown>;
  readonly dryRun: boolean;
  readonly result: ActionResult;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly requestId: string | null;
  readonly traceId: string | null;
  readonly remoteAddress: string | null;
}

interface ActionRow {
  id: string;
  at: Date;
  actor: string | null;
  actor_name: string | null;
  actor_kind: OperatorAction['actorKind'];
  role: Role | null;
  action: string;
  method: string | null;
  path: string | null;
  target: string;
  details: Record<string, unknown>;
  dry_run: boolean;
  result: ActionResult;
  status_code: number | null;
  error: string | null;
  request_id: string | null;
  trace_id: string | null;
  remote_address: string | null;
}

/** The `operator_action` table (docs/access-control.md, "The action log"). */
@Injectable()
export class ActionLogRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * Inside `manager`'s transaction when given (the change and its row commit together). Text is
   * stored through pgText: a call's input or error may hold U+0000, which text and jsonb refuse, and
   * a logged call must get its row all the same.
   */
  async insert(entry: ActionEntry, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `INSERT INTO operator_action (pipeline, actor, actor_name, actor_kind, role, action, method, path, target,
                                    details, dry_run, result, status_code, error, request_id, trace_id,
                                    remote_address)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        entry.pipeline,
        pgText(entry.actor),
        pgText(entry.actorName),
        entry.actorKind,
        entry.role,
        pgText(entry.action),
        entry.method,
        pgText(entry.path),
        pgText(entry.target),
        JSON.stringify(pgJson(entry.details)),
        entry.dryRun,
        entry.result,
        entry.statusCode,
        pgText(entry.error),
        entry.requestId,
        entry.traceId,
        entry.remoteAddress,
      ],
    );
  }

  /**
   * Newest first, `limit` rows older than `cursor` (an id); one more row is read to know whether a
   * next page exists. The filters are exact matches, except `actor`, which also matches the name.
   */
  async list(
    pipeline: string,
    query: Omit<ActionListQuery, 'limit'> & { limit: number },
  ): Promise<{ actions: OperatorAction[]; nextCursor: string | null }> {
    const rows: ActionRow[] = await this.dataSource.query(
      // Qualified: a bare `id` in ORDER BY would sort the text output column ('9' after '12').
      `SELECT id::text, at, actor, actor_name, actor_kind, role, action, method, path, target, details,
              dry_run, result, status_code, error, request_id, trace_id, remote_address
         FROM operator_action
        WHERE pipeline = $1
          AND ($2::text IS NULL OR actor = $2 OR actor_name = $2)
          AND ($3::text IS NULL OR action = $3)
          AND ($4::text IS NULL OR result = $4)
          AND ($5::timestamptz IS NULL OR at >= $5)
          AND ($6::timestamptz IS NULL OR at < $6)
          AND ($7::bigint IS NULL OR operator_action.id < $7)
        ORDER BY operator_action.id DESC
        LIMIT $8`,
      [
        pipeline,
        query.actor ?? null,
        query.action ?? null,
        query.result ?? null,
        query.from ?? null,
        query.to ?? null,
        query.cursor ?? null,
        query.limit + 1,
      ],
    );
    const page = rows.slice(0, query.limit);
    return {
      actions: page.map(toAction),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }
}

function toAction(r: ActionRow): OperatorAction {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    actorName: r.actor_name,
    actorKind: r.actor_kind,
    role: r.role,
    action: r.action,
    method: r.method,
    path: r.path,
    target: r.target,
    details: r.details,
    dryRun: r.dry_run,
    result: r.result,
    statusCode: r.status_code,
    error: r.error,
    requestId: r.request_id,
    traceId: r.trace_id,
    remoteAddress: r.remote_address,
  };
}
