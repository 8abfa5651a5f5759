import { z } from 'zod';
import { API_ROUTES, type ApiRouteSpec } from './api-routes';
import { apiErrorSchema, CONSOLE_TOKEN, ROLES } from './access';

/**
 * The OpenAPI 3.1 document of the processor's API, generated from the route table and its zod
 * schemas (zod's own JSON Schema output: OpenAPI 3.1 schemas are JSON Schema 2020-12). The
 * processor serves it at /api/openapi.json; docs/openapi.json is the committed copy, checked in
 * `npm test` to be what the code generates.
 */

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Bad request: the message says what to fix',
  401: 'No credential, or one that is not valid (expired, revoked, forged)',
  403: 'The credential is valid but its role may not do this',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body larger than the limit',
  415: 'Body that is not application/json',
  429: 'Too many requests: retry after `Retry-After` seconds',
  500: 'The server could not do it',
  503: 'Not ready',
};

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  delete json.$schema;
  return json;
}

function openApiPath(path: string): string {
  return path.replace(/:([a-zA-Z]+)/g, '{$1}');
}

function parameters(route: ApiRouteSpec): unknown[] {
  const list: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (schema === undefined) continue;
    const shape: Record<string, z.ZodType> = schema.shape;
    for (const [name, field] of Object.entries(shape)) {
      list.push({
        name,
        in: where,
        required: where === 'path' || !field.safeParse(undefined).success,
        schema: schemaOf(field, 'input'),
      });
    }
  }
  return list;
}

function operation(id: string, route: ApiRouteSpec): JsonSchema {
  const errorResponse = (status: number) => ({
    description: STATUS_TEXT[status] ?? `HTTP ${status}`,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
  });
  const responses: Record<string, unknown> = {
    [route.successStatus]: {
      description: STATUS_TEXT[route.successStatus],
      content:
        route.response === null
          ? { 'text/plain': { schema: { type: 'string' } } }
          : { 'application/json': { schema: schemaOf(route.response, 'output') } },
    },
  };
  const statuses = new Set<number>(route.errors);
  if (route.access !== 'public') [401, 403].forEach((s) => statuses.add(s));
  if (route.logged) statuses.add(429);
  statuses.add(500);
  for (const status of [...statuses].sort((a, b) => a - b)) responses[status] = errorResponse(status);
  const op: JsonSchema = {
    operationId: id,
    summary: route.summary,
    tags: [id.split('.')[0]],
    ...(route.access === 'public'
      ? { security: [] }
      : {
          security: [{ apiToken: [] }, { consoleToken: [] }],
          'x-required-role': route.access,
          description: `Needs the role \`${route.access}\` or above.${route.logged ? ' Written to the operator action log, allowed or not.' : ''}`,
        }),
    responses,
  };
  const params = parameters(route);
  if (params.length > 0) op['parameters'] = params;
  if (route.body !== undefined) {
    op['requestBody'] = {
      required: true,
      content: { 'application/json': { schema: schemaOf(route.body, 'input') } },
    };
  }
  return op;
}

export function buildOpenApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, route] of Object.entries(API_ROUTES) as [string, ApiRouteSpec][]) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(id, route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Dedup operator: processor API',
      version,
      description:
        'The control-plane API of the Kafka dedup processor. Every route except the probes, ' +
        `/metrics and this document needs a credential; roles: ${ROLES.join(' < ')}. See docs/api.md.`,
    },
    security: [{ apiToken: [] }, { consoleToken: [] }],
    paths,
    components: {
      securitySchemes: {
        apiToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (`dpt_…`) issued by an admin (POST /api/tokens or the tokens CLI).',
        },
        consoleToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            `A ${CONSOLE_TOKEN.algorithm} JWT the console signs for a signed-in person (iss ` +
            `${CONSOLE_TOKEN.issuer}, aud ${CONSOLE_TOKEN.audience}, at most ${CONSOLE_TOKEN.maxLifetimeSeconds} s).`,
        },
      },
      schemas: { ApiError: schemaOf(apiErrorSchema, 'output') },
    },
  };
}
