import {
  BadRequestException,
  Inject,
  Injectable,
  UnsupportedMediaTypeException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { ApiRouteSpec } from '@dedup/contracts';
import type { Request } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { z } from 'zod';
import { ActionLogService } from '../actions/action-log.service';
import { currentRequest } from '../../platform/http/request-context';

const NONE = z.strictObject({});

/**
 * After the guard: validates the call's path, query and body with the route table's zod schemas
 * (400 with zod's message; unknown fields are refused, not dropped; a body must be JSON: 415; no
 * string anywhere in them may hold U+0000 or an unpaired surrogate: 400 naming the field), then
 * runs the handler; on success a logged call that wrote no action row in a transaction of its own
 * (a dry run, or a change without one) gets its `ok` row here, before the answer is sent.
 */
@Injectable()
export class ApiInputInterceptor implements NestInterceptor {
  constructor(@Inject(ActionLogService) private readonly actions: ActionLogService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = currentRequest();
    const route = request?.route;
    if (request === undefined || route === null || route === undefined) return next.handle();
    const http = context.switchToHttp().getRequest<Request>();
    request.input = validateInput(route.spec, {
      params: http.params,
      query: http.query,
      body: http.body,
      json: Boolean(http.is('application/json')),
    });
    return next
      .handle()
      .pipe(
        mergeMap((value) =>
          from(
            this.actions.finish(request, 'ok', route.spec.successStatus, null).then(() => value as unknown),
          ),
        ),
      );
  }
}

/** A call's input as Express parsed it; `json`: its Content-Type says JSON. */
export interface RawInput {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly json: boolean;
}

/** The validated input of a call to `spec`; a BadRequestException (or 415) when it is not valid. */
export function validateInput(
  spec: ApiRouteSpec,
  http: RawInput,
): { params: unknown; query: unknown; body: unknown } {
  const params = parse('path', spec.params ?? NONE, http.params);
  const query = parse('query', spec.query ?? NONE, http.query);
  let body: unknown = undefined;
  const raw: unknown = http.body;
  const empty =
    raw === undefined || (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0);
  if (spec.body !== undefined) {
    if (!http.json) {
      throw new UnsupportedMediaTypeException('send the body as JSON (Content-Type: application/json)');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new BadRequestException('the body must be a JSON object');
    }
    body = parse('body', spec.body, raw);
  } else if (!empty) {
    throw new BadRequestException(`${spec.method} ${spec.path} takes no body`);
  }
  return {
    params: spec.params === undefined ? undefined : params,
    query: spec.query === undefined ? undefined : query,
    body,
  };
}

function parse(where: string, schema: z.ZodType, value: unknown): unknown {
  const unstorable = unstorableText(value);
  if (unstorable.length > 0) {
    throw new BadRequestException(
      `invalid ${where}: ${unstorable.map((u) => `${u.field} contains ${u.what}, which no text field accepts`).join('; ')}`,
    );
  }
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new BadRequestException(`invalid ${where}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Every string of `value` (and every key) that Postgres text/jsonb cannot hold: U+0000, and an
 * unpaired surrogate (`"\ud800"` in JSON). Checked here, before any schema, so that no route, now
 * or later, passes one on to a query, where it would fail as a 500 instead of a 400.
 */
function unstorableText(value: unknown, at = ''): { field: string; what: string }[] {
  const problem = (s: string) =>
    s.includes('\u0000') ? 'U+0000 (NUL)' : s.isWellFormed() ? null : 'an unpaired UTF-16 surrogate';
  if (typeof value === 'string') {
    const what = problem(value);
    return what === null ? [] : [{ field: at === '' ? '(root)' : at, what }];
  }
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => {
    const field = fieldPath(at, key, Array.isArray(value));
    const what = problem(key);
    return [...(what === null ? [] : [{ field: `the key ${field}`, what }]), ...unstorableText(v, field)];
  });
}

/** `a.b`, `a[0]`, and a key that is not a plain name as JSON (`a["x\u0000"]`), safe to print and store. */
function fieldPath(at: string, key: string, inArray: boolean): string {
  if (inArray) return `${at}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return at === '' ? key : `${at}.${key}`;
  return `${at}[${JSON.stringify(key)}]`;
}
