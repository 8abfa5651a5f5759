import { Catch, HttpException, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { API_ROUTES, matchRoute } from '@dedup/contracts';
import type { Response } from 'express';
import { JsonLogger } from '../../platform/logging/json-logger';
import { ActionLogService } from '../actions/action-log.service';
import { errorResponse, RateLimitedException, resultOf } from './api-errors';
import { currentRequest } from '../../platform/http/request-context';

/**
 * Every error of every HTTP call ends here (the one place errors become HTTP statuses): a JSON body
 * `{ statusCode, error, message, requestId }`, `Retry-After` on a 429, the stack of an unexpected 5xx
 * in the log (never in the answer), and the action row of a logged call that has none yet (refused, rejected
 * or failed alike).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly log: JsonLogger;

  constructor(
    @Inject(ActionLogService) private readonly actions: ActionLogService,
    @Inject(JsonLogger) logger: JsonLogger,
  ) {
    this.log = logger.child({ component: 'http' });
  }

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const response = host.switchToHttp().getResponse<Response>();
    const request = currentRequest();
    const { status, body, message } = errorResponse(exception, request?.requestId);
    if (status >= 500 && exception instanceof HttpException) {
      // A 5xx answered on purpose (the readiness probe's 503 while Kafka or Postgres is away): what
      // it said, not a stack. A load balancer polls it every few seconds through an outage.
      this.log.write('warn', 'request answered with a server-side status', {
        request_id: request?.requestId,
        route: request?.route?.id,
        status,
        response: exception.getResponse(),
      });
    } else if (status >= 500) {
      this.log.write('error', 'request failed', {
        request_id: request?.requestId,
        route: request?.route?.id,
        error: exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      });
    }
    if (request !== undefined) {
      if (request.route === null) {
        // Refused before routing (a body that is not JSON, or over the limit): still that route's call.
        const id = matchRoute(request.method, request.path);
        if (id !== null) request.route = { id, spec: API_ROUTES[id] };
      }
      try {
        await this.actions.finish(request, resultOf(status), status, message);
      } catch (error) {
        this.log.write('error', 'could not write the action log row', {
          request_id: request.requestId,
          error: String(error),
        });
      }
    }
    if (response.headersSent) return;
    if (exception instanceof RateLimitedException) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(status).json(body);
  }
}
