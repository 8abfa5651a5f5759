import { BadRequestException } from '@nestjs/common';
import { API_ROUTES, type ApiRouteId, type ApiRouteSpec } from '@dedup/contracts';
import { validateInput, type RawInput } from './api-input.interceptor';

// Unit tier: the one validation every call's path, query and body pass through (the route table's
// schemas), for text Postgres cannot hold. The same calls against the real server:
// test/api/access-control.system.test.ts.

function refusal(id: ApiRouteId, input: Partial<RawInput>): string {
  try {
    validateInput(API_ROUTES[id], { params: {}, query: {}, body: undefined, json: true, ...input });
  } catch (error) {
    if (error instanceof BadRequestException) return error.message;
    throw error;
  }
  throw new Error(`${id}: ${JSON.stringify(input)} was accepted`);
}

const NUL = '\u0000';

describe('validateInput: U+0000 and unpaired surrogates', () => {
  it.each([
    ['dlq.list', { query: { q: NUL } }, 'query: q'],
    ['dlq.list', { query: { errorType: NUL } }, 'query: errorType'],
    ['dlq.list', { query: { sourceTopic: NUL } }, 'query: sourceTopic'],
    ['lineage.search', { query: { eventId: NUL } }, 'query: eventId'],
    ['lineage.search', { query: { dedupKey: NUL } }, 'query: dedupKey'],
    ['lineage.search', { query: { topic: NUL, partition: '0', offset: '0' } }, 'query: topic'],
    ['actions.list', { query: { actor: NUL } }, 'query: actor'],
    ['actions.list', { query: { action: NUL } }, 'query: action'],
    ['lateness.get', { query: { topic: NUL } }, 'query: topic'],
    ['replays.preview', { body: { selection: { filter: { q: NUL } } } }, 'body: selection.filter.q'],
    [
      'replays.preview',
      { body: { selection: { filter: { errorType: NUL } } } },
      'body: selection.filter.errorType',
    ],
    [
      'dlq.discard',
      { body: { selection: { filter: { q: NUL } }, reason: 'cleanup' } },
      'body: selection.filter.q',
    ],
    [
      'dlq.discard',
      { body: { selection: { filter: { sourceTopic: NUL } }, reason: 'cleanup' } },
      'body: selection.filter.sourceTopic',
    ],
    ['dlq.discard', { body: { selection: { ids: ['1'] }, reason: `a${NUL}bc` } }, 'body: reason'],
    [
      'backfills.preview',
      { body: { targetTopic: 't', range: { kind: 'time' }, reason: `ab${NUL}c` } },
      'body: reason',
    ],
    ['dlq.get', { params: { id: `1${NUL}` } }, 'path: id'],
  ] as [ApiRouteId, Partial<RawInput>, string][])('%s %j: 400 naming the field', (id, input, field) => {
    expect(refusal(id, input)).toBe(`invalid ${field} contains U+0000 (NUL), which no text field accepts`);
  });

  it('names every field, in arrays and keys too, and an unpaired surrogate', () => {
    expect(
      refusal('dlq.discard', {
        body: { selection: { ids: ['1', `2${NUL}`] }, reason: '\ud800 why', [`x${NUL}`]: 1 },
      }),
    ).toBe(
      'invalid body: selection.ids[1] contains U+0000 (NUL), which no text field accepts; ' +
        'reason contains an unpaired UTF-16 surrogate, which no text field accepts; ' +
        'the key ["x\\u0000"] contains U+0000 (NUL), which no text field accepts',
    );
  });

  // Before any schema: a route added later is covered without a word about it in its schemas.
  it.each(Object.entries(API_ROUTES) as [ApiRouteId, ApiRouteSpec][])(
    '%s: refused wherever its input holds it, whatever the schema',
    (id, spec) => {
      // Every path parameter of the table is an `id`: a valid one, so the query and body are reached.
      const params = spec.params === undefined ? {} : { id: '1' };
      expect(refusal(id, { params: { id: NUL } })).toMatch(/^invalid path: id contains U\+0000/);
      expect(refusal(id, { params, query: { anything: [NUL] } })).toMatch(
        /^invalid query: anything\[0\] contains U\+0000/,
      );
      if (spec.body !== undefined) {
        expect(refusal(id, { params, body: { any: { thing: NUL } } })).toMatch(
          /^invalid body: any\.thing contains U\+0000/,
        );
      }
    },
  );

  it('keeps other text, unicode included', () => {
    const input = validateInput(API_ROUTES['dlq.list'], {
      params: {},
      query: { q: 'zürich 🦆 \\u0000' },
      body: undefined,
      json: false,
    });
    expect(input.query).toMatchObject({ q: 'zürich 🦆 \\u0000' });
  });
});
