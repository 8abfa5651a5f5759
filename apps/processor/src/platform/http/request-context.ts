import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { ApiRouteId, ApiRouteSpec, Principal } from '@dedup/contracts';
import type { Request } from 'express';

/**
 * What the control plane knows about the HTTP call in progress, for the action log and the error
 * body: set up per request by `requestContextMiddleware`, filled in by the guard (route, principal)
 * and the input interceptor (validated input). Held in an AsyncLocalStorage so that a repository can
 * write the action row inside its own transaction without every call passing it down.
 */
export interface RequestContext {
  readonly requestId: string;
  /** From the caller's W3C `traceparent`, when it sent a valid one. */
  readonly traceId: string | null;
  readonly method: string;
  readonly path: string;
  readonly remoteAddress: string | null;
  route: { readonly id: ApiRouteId; readonly spec: ApiRouteSpec } | null;
  principal: Principal | null;
  /** The validated path, query and body, for the handler and the action row's details. */
  input: { params: unknown; query: unknown; body: unknown } | null;
  /** The action row is written (inside the change's transaction, once it committed). */
  actionLogged: boolean;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The call in progress, or undefined outside one (a job's own work). */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Express middleware: every request runs inside its own context; `x-request-id` is echoed. */
export function requestContextMiddleware(
  req: Request,
  res: { setHeader(name: string, value: string): unknown },
  next: () => void,
): void {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  const traceparent = req.headers['traceparent'];
  const trace = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent) : null;
  const traceId = trace?.[1] !== undefined && !/^0+$/.test(trace[1]) ? trace[1] : null;
  res.setHeader('x-request-id', requestId);
  storage.run(
    {
      requestId,
      traceId,
      method: req.method,
      path: req.originalUrl.split('?')[0] ?? req.originalUrl,
      remoteAddress: req.socket.remoteAddress ?? null,
      route: null,
      principal: null,
      input: null,
      actionLogged: false,
    },
    next,
  );
}
