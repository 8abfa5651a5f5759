import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_ROUTES, roleAllows, type ApiRouteId } from '@dedup/contracts';
import type { Request } from 'express';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { API_ROUTE_METADATA } from '../../platform/http/api-route.decorator';
import { currentRequest } from '../../platform/http/request-context';
import { AuthService } from './auth.service';
import { RateLimits } from './rate-limits';

/**
 * Every call, before anything else runs: the handler's row of the route table (none: refused, so a
 * route added without a rule is closed, not open), then for a non-public route the rate limit per
 * address (logged routes), the credential (401), the rate limit per identity (logged routes) and
 * the role (403). The refusal's action row is written by the exception filter.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = currentRequest();
    if (request === undefined)
      throw new Error('request context missing: requestContextMiddleware is not installed');
    const id = this.reflector.get<ApiRouteId | undefined>(API_ROUTE_METADATA, context.getHandler());
    if (id === undefined)
      throw new ForbiddenException('this route has no access rule, so nobody may call it');
    const spec = API_ROUTES[id];
    request.route = { id, spec };
    if (spec.access === 'public') return true;
    if (spec.logged) await this.limits.address(request.remoteAddress);
    try {
      request.principal = await this.auth.authenticate(
        context.switchToHttp().getRequest<Request>().headers.authorization,
      );
    } catch (error) {
      if (error instanceof UnauthorizedException) this.metrics.countRefusal('unauthenticated');
      throw error;
    }
    const principal = request.principal;
    if (spec.logged) await this.limits.identity(principal.id);
    if (!roleAllows(principal.role, spec.access)) {
      this.metrics.countRefusal('forbidden');
      throw new ForbiddenException(
        `${spec.method} ${spec.path} needs the role ${spec.access}; ${principal.name} (${principal.id}) has ${principal.role}`,
      );
    }
    return true;
  }
}
