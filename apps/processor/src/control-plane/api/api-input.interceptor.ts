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
 * (400 with zod's message; unknown fields are refused, not dropped; a body must be JSON: 415), then
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
    request.input = validate(route.spec, http);
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

function validate(spec: ApiRouteSpec, http: Request): { params: unknown; query: unknown; body: unknown } {
  const params = parse('path', spec.params ?? NONE, http.params);
  const query = parse('query', spec.query ?? NONE, http.query);
  let body: unknown = undefined;
  const raw: unknown = http.body;
  const empty =
    raw === undefined || (typeof raw === 'object' && raw !== null && Object.keys(raw).length === 0);
  if (spec.body !== undefined) {
    if (!http.is('application/json')) {
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
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new BadRequestException(`invalid ${where}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
