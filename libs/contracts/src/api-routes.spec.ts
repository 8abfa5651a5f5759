import { API_ROUTES, API_ROUTE_IDS, matchRoute, routePath, type ApiRouteSpec } from './api-routes';
import { buildOpenApiDocument } from './openapi';

const routes = Object.entries(API_ROUTES) as [string, ApiRouteSpec][];

describe('the route table', () => {
  it('logs and protects every POST; only probes, metrics and the document are public', () => {
    for (const [id, route] of routes) {
      if (route.method === 'POST')
        expect({ id, logged: route.logged, access: route.access }).toEqual({
          id,
          logged: true,
          access: expect.not.stringMatching(/^public$/) as unknown,
        });
    }
    expect(routes.filter(([, r]) => r.access === 'public').map(([id]) => id)).toEqual([
      'health.live',
      'health.ready',
      'metrics',
      'openapi.get',
    ]);
  });

  it('has one route per method and path', () => {
    const keys = routes.map(([, r]) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('matches a method and path to the most specific route', () => {
    expect(matchRoute('POST', '/api/backfills/preview')).toBe('backfills.preview');
    expect(matchRoute('POST', '/api/backfills')).toBe('backfills.create');
    expect(matchRoute('POST', '/api/backfills/12/pause')).toBe('backfills.pause');
    expect(matchRoute('GET', '/api/backfills/12')).toBe('backfills.get');
    expect(matchRoute('DELETE', '/api/backfills/12')).toBeNull();
    expect(matchRoute('POST', '/api/backfills/12/explode')).toBeNull();
  });

  it('builds concrete paths with encoded parameters, and refuses a missing one', () => {
    expect(routePath(API_ROUTES['backfills.pause'], { id: '7' })).toBe('/api/backfills/7/pause');
    expect(routePath(API_ROUTES['backfills.get'], { id: 'a/b' })).toBe('/api/backfills/a%2Fb');
    expect(() => routePath(API_ROUTES['backfills.get'])).toThrow('parameter id missing');
  });
});

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument('1.2.3') as {
    openapi: string;
    paths: Record<
      string,
      Record<string, { operationId: string; security: unknown[]; responses: Record<string, unknown> }>
    >;
    components: { securitySchemes: Record<string, unknown> };
  };

  it('has every route once, with its security and its error responses', () => {
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
    expect(operations.map((o) => o.operationId).sort()).toEqual([...API_ROUTE_IDS].sort());
    for (const [id, route] of routes) {
      const op = doc.paths[route.path.replace(/:([a-zA-Z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(op?.operationId).toBe(id);
      if (route.access === 'public') expect(op?.security).toEqual([]);
      else {
        expect(op?.security).toEqual([{ apiToken: [] }, { consoleToken: [] }]);
        expect(Object.keys(op?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
      }
      if (route.logged) expect(Object.keys(op?.responses ?? {})).toContain('429');
    }
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['apiToken', 'consoleToken']);
  });
});
