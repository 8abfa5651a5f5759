import {
  applyDecorators,
  createParamDecorator,
  HttpCode,
  RequestMapping,
  RequestMethod,
  SetMetadata,
} from '@nestjs/common';
import { API_ROUTES, type ApiRouteId } from '@dedup/contracts';
import { currentRequest } from './request-context';

export const API_ROUTE_METADATA = 'dedup:api-route';

/**
 * Maps a handler to its row of the route table (libs/contracts/src/api-routes.ts): path, method and
 * success status come from there, and so do the access rule and the input schemas the guard and the
 * input interceptor apply. A handler without it is refused by the guard (fail closed).
 */
export function ApiRoute(id: ApiRouteId): MethodDecorator {
  const route = API_ROUTES[id];
  return applyDecorators(
    SetMetadata(API_ROUTE_METADATA, id),
    RequestMapping({ path: route.path, method: RequestMethod[route.method] }),
    HttpCode(route.successStatus),
  );
}

/** The validated `{ params, query, body }` of the call (type it as `RouteInput<'route.id'>`). */
export const RouteInputs = createParamDecorator(() => {
  const input = currentRequest()?.input;
  if (input === null || input === undefined) throw new Error('route input read before it was validated');
  return input;
});

/** The authenticated principal of the call (null on a public route). */
export const CurrentPrincipal = createParamDecorator(() => currentRequest()?.principal ?? null);
