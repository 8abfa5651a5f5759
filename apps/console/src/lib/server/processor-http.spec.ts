import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { callProcessor, processorEndpoint, type ProcessorRequest } from './processor-http';

const endpoint = processorEndpoint('http://ops:s3cret%21@processor.internal:3001/');
const schema = z.object({ n: z.number() });
const get: ProcessorRequest<{ n: number }> = {
  method: 'GET',
  path: '/api/thing',
  what: 'things',
  schema,
  timeoutMs: 1_000,
};

interface Call {
  url: string;
  init: RequestInit;
}

/** A stand-in for fetch that records what it was asked and answers with `answer`. */
function fakeFetch(answer: () => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const impl = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: input instanceof Request ? input.url : input.toString(), init: init ?? {} });
    return Promise.resolve(answer());
  };
  return { fetch: impl, calls };
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

describe('processorEndpoint', () => {
  it('keeps credentials out of the URL and the origin, and sends them as Basic auth', () => {
    expect(endpoint.baseUrl).toBe('http://processor.internal:3001');
    expect(endpoint.origin).toBe('http://processor.internal:3001');
    expect(endpoint.authorization).toBe(`Basic ${Buffer.from('ops:s3cret!').toString('base64')}`);
    expect(processorEndpoint('http://127.0.0.1:3001/base/').baseUrl).toBe('http://127.0.0.1:3001/base');
    expect(processorEndpoint('http://127.0.0.1:3001').authorization).toBeNull();
  });
});

describe('callProcessor', () => {
  it('answers the validated body and sends JSON and the bearer credential as headers', async () => {
    const { fetch, calls } = fakeFetch(() => json({ n: 1, extra: true }, 201));
    const result = await callProcessor(
      endpoint,
      { ...get, method: 'POST', body: { a: 1 }, bearer: 'console.jwt.token' },
      fetch,
    );
    expect(result).toEqual({ ok: true, value: { n: 1 }, status: 201 });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.url).toBe('http://processor.internal:3001/api/thing');
    expect(call!.init.method).toBe('POST');
    expect(call!.init.body).toBe('{"a":1}');
    expect(call!.init.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer console.jwt.token',
    });
  });

  it("sends PROCESSOR_URL's Basic credentials only on a call without a bearer", async () => {
    const { fetch, calls } = fakeFetch(() => json({ n: 1 }));
    await callProcessor(endpoint, get, fetch);
    expect(calls[0]!.init.headers).toMatchObject({ authorization: endpoint.authorization });
  });

  it('sends no credential and no body when there are none', async () => {
    const { fetch, calls } = fakeFetch(() => json({ n: 1 }));
    await callProcessor(processorEndpoint('http://127.0.0.1:3001'), get, fetch);
    expect(calls[0]!.init.headers).toEqual({ accept: 'application/json' });
    expect(calls[0]!.init.body).toBeUndefined();
  });

  it("passes a 4xx's message on, with its status", async () => {
    const conflict = await callProcessor(
      endpoint,
      get,
      fakeFetch(() => json({ statusCode: 409, message: 'backfill 3 is completed: cannot pause it' }, 409))
        .fetch,
    );
    expect(conflict).toEqual({
      ok: false,
      error: { code: 'rejected', status: 409, message: 'backfill 3 is completed: cannot pause it' },
    });
    const list = await callProcessor(
      endpoint,
      get,
      fakeFetch(() => json({ statusCode: 400, message: ['a is wrong', 'b is wrong'] }, 400)).fetch,
    );
    expect(list.ok ? null : list.error.message).toBe('a is wrong; b is wrong');
  });

  it('reports a 4xx without a message, and any 5xx, as a bad status', async () => {
    for (const answer of [
      () => new Response('nope', { status: 404 }),
      () => json({ message: 'boom' }, 500),
    ]) {
      const result = await callProcessor(endpoint, get, fakeFetch(answer).fetch);
      expect(result.ok ? null : result.error.code).toBe('bad-status');
      expect(result.ok ? null : result.error.message).toMatch(
        /^Processor at http:\/\/processor\.internal:3001 answered HTTP (404|500)$/,
      );
    }
  });

  it('reports a body that is not JSON or breaks the contract', async () => {
    const notJson = await callProcessor(endpoint, get, fakeFetch(() => new Response('<html>')).fetch);
    expect(notJson).toEqual({
      ok: false,
      error: {
        code: 'bad-body',
        message: 'Processor at http://processor.internal:3001 sent things that are not JSON',
      },
    });
    const breach = await callProcessor(endpoint, get, fakeFetch(() => json({ n: 'one' })).fetch);
    expect(breach.ok ? null : breach.error.code).toBe('bad-body');
    expect(breach.ok ? null : breach.error.message).toMatch(/sent things that break the contract: .*n/s);
  });

  it('reports a timeout, with the hint of a request that changes state', async () => {
    const timeout = fakeFetch(() => Promise.reject(new DOMException('timed out', 'TimeoutError')));
    const result = await callProcessor(
      endpoint,
      { ...get, timeoutHint: 'check the list first' },
      timeout.fetch,
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'timeout',
        message:
          'Processor at http://processor.internal:3001 did not answer within 1000 ms; check the list first',
      },
    });
  });

  it('reports an unreachable processor by its socket error, never with the credentials', async () => {
    const refused = fakeFetch(() =>
      Promise.reject(
        new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      ),
    );
    const result = await callProcessor(endpoint, get, refused.fetch);
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'unreachable',
        message: 'Processor at http://processor.internal:3001 is unreachable (ECONNREFUSED)',
      },
    });
  });

  it('never puts the credentials anywhere fetch or a message could show them', async () => {
    // Node's real fetch refuses a URL with credentials and quotes it whole in the error.
    const result = await callProcessor(endpoint, get, (input) =>
      fetch(input, { signal: AbortSignal.abort() }),
    );
    expect(JSON.stringify(result)).not.toMatch(/s3cret|ops:/);
  });
});
