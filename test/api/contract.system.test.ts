import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { API_ROUTES, type ApiRouteId } from '@dedup/contracts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { produce } from '../support/kafka-tools';
import { closeTestPool } from '../support/postgres-tools';
import { ProcessorProcess } from '../support/processor-process';
import { eventually, uniqueName } from '../support/real-stack';
import { createPipelineTopics, pipelineEnv, pipelineTopics } from '../support/pipeline';

/**
 * Contract tests against the OpenAPI document (docs/openapi.json, what clients generate code from):
 * the real processor's answers to every read route, with traffic behind them, and its errors, are
 * valid by the document's own JSON Schemas, as a client validating them would check.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

interface Operation {
  readonly operationId: string;
  readonly responses: Record<string, { content?: { 'application/json'?: { schema: object } } }>;
}
type OpenApi = {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, object> };
};

describe('the API answers as its OpenAPI document says', () => {
  const name = uniqueName('contract');
  const topics = pipelineTopics(name);
  let processor: ProcessorProcess | undefined;
  let doc: OpenApi;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });

  /** The document's schema for `status` of the route, resolving its component references. */
  const schemaOf = (id: ApiRouteId, status: string): object => {
    const route = API_ROUTES[id];
    const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[openApiPath]?.[route.method.toLowerCase()];
    if (op?.operationId !== id) throw new Error(`${id}: not in the document at ${openApiPath}`);
    const schema = op.responses[status]?.content?.['application/json']?.schema;
    if (schema === undefined) throw new Error(`${id}: the document has no JSON ${status} answer`);
    return { ...schema, components: doc.components };
  };
  const check = async (id: ApiRouteId, pathname: string, status = 200) => {
    const res = await processor!.call('GET', pathname, undefined, 'admin');
    const body: unknown = await res.json();
    expect({ pathname, status: res.status }).toEqual({ pathname, status });
    const validate = ajv.compile(schemaOf(id, String(status)));
    const ok = validate(body);
    expect({ pathname, errors: ok ? null : validate.errors }).toEqual({ pathname, errors: null });
    return body;
  };

  beforeAll(async () => {
    doc = JSON.parse(await readFile(path.join(repoRoot, 'docs/openapi.json'), 'utf8')) as OpenApi;
    await createPipelineTopics(topics, { input: 2 });
    processor = await ProcessorProcess.start(
      pipelineEnv(name, topics, {
        PIPELINE_SEMANTICS: JSON.stringify({ maxOutOfOrdernessMs: 0, allowedLatenessMs: 1_000 }),
      }),
      name,
    );
    const T = Date.now() - 60_000;
    const event = (id: string, t: number, partition: number) => ({
      key: id,
      partition,
      value: JSON.stringify({ event_id: id, event_type: 't', event_time: t, payload: {}, schema_version: 1 }),
    });
    await produce(topics.input, [event('a', T, 0), event('b', T + 30_000, 1), event('a', T, 1)]);
    await produce(topics.input, [event('old', T - 10_000, 0), { key: 'x', partition: 0, value: '{' }]);
    await eventually('the records decided', async () => {
      const res = await processor!.get('/api/stats');
      const body = (await res.json()) as { totals: Record<string, number> };
      return Object.values(body.totals).reduce((n, v) => n + v, 0) === 5 ? true : undefined;
    });
  });

  afterAll(async () => {
    await processor?.stop();
    await closeTestPool();
  });

  it('every read route without parameters, and the console reads over each range', async () => {
    for (const [id, route] of Object.entries(API_ROUTES) as [ApiRouteId, (typeof API_ROUTES)[ApiRouteId]][]) {
      if (route.method !== 'GET' || route.response === null || route.path.includes(':')) continue;
      if (id === 'lineage.search') continue; // needs a query: below
      await check(id, route.path);
    }
    for (const range of ['15m', '1h', '6h', '24h', '7d']) {
      await check('overview.get', `/api/overview?range=${range}`);
      await check('lateness.get', `/api/lateness?range=${range}`);
      await check('exactly-once.get', `/api/exactly-once?range=${range}`);
      await check('watermarks.get', `/api/watermarks?range=${range}`);
    }
    await check('lateness.get', `/api/lateness?range=1h&topic=${topics.input}&partition=0`);
  });

  it('lineage, a DLQ record and its group, with their links', async () => {
    await check('lineage.search', '/api/lineage?eventId=a');
    await check('lineage.search', `/api/lineage?dedupKey=${encodeURIComponent('event_id:a')}`);
    const list = (await check('dlq.list', '/api/dlq')) as { records: { id: string }[] };
    expect(list.records.length).toBeGreaterThan(0);
    await check('dlq.get', `/api/dlq/${list.records[0]!.id}`);
    await check('lineage.search', `/api/lineage?topic=${topics.input}&partition=0&offset=2`);
  });

  it('errors: a bad query and an unknown id are the document ApiError', async () => {
    await check('overview.get', '/api/overview?range=forever', 400);
    await check('lineage.search', '/api/lineage', 400);
    await check('dlq.get', '/api/dlq/999999999999', 404);
  });
});
