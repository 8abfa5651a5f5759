import { API_ROUTES, actionListQuerySchema } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  activityFormValues,
  activityHref,
  datetimeInputStep,
  isoToUtcInput,
  LOGGED_ACTIONS,
  localInputToUtcIso,
  newestHref,
  olderHref,
  parseActivityQuery,
  targetHref,
} from './activity-query';

describe('parseActivityQuery', () => {
  it('sends nothing for no parameters, so the processor applies its defaults', () => {
    expect(parseActivityQuery({})).toEqual({ query: {}, problems: [] });
  });

  it('drops empty and blank values, as an untouched filter form submits them', () => {
    expect(
      parseActivityQuery({ actor: '', action: '  ', result: '', from: '', to: '', limit: '', cursor: '' }),
    ).toEqual({ query: {}, problems: [] });
  });

  it('keeps every valid filter, trimmed, and reads datetime-local values as UTC', () => {
    const parsed = parseActivityQuery({
      actor: ' local:alice ',
      action: 'backfills.create',
      result: 'refused',
      from: '2026-12-05T10:30',
      to: '2026-12-06T08:00:15',
      limit: '20',
      cursor: '812',
    });
    expect(parsed).toEqual({
      query: {
        actor: 'local:alice',
        action: 'backfills.create',
        result: 'refused',
        from: '2026-12-05T10:30:00Z',
        to: '2026-12-06T08:00:15Z',
        limit: 20,
        cursor: '812',
      },
      problems: [],
    });
    // What it sends is what the processor accepts.
    expect(actionListQuerySchema.safeParse(parsed.query).success).toBe(true);
  });

  it('passes an ISO-8601 instant with an offset through unchanged (the links carry those)', () => {
    expect(
      parseActivityQuery({ from: '2026-12-05T10:30:00+02:00', to: '2026-12-05T12:00:00.250Z' }).query,
    ).toEqual({ from: '2026-12-05T10:30:00+02:00', to: '2026-12-05T12:00:00.250Z' });
  });

  it('takes the first of a repeated parameter', () => {
    expect(parseActivityQuery({ result: ['failed', 'ok'] }).query).toEqual({ result: 'failed' });
  });

  it('accepts an action that is not a route (what the system did on its own)', () => {
    expect(parseActivityQuery({ action: 'backfill.completed' }).query).toEqual({
      action: 'backfill.completed',
    });
  });

  it('leaves out each bad value with a problem that names the field, keeping the good ones', () => {
    const parsed = parseActivityQuery({
      actor: 'x'.repeat(201),
      action: 'a'.repeat(101),
      result: 'maybe',
      from: '2026-13-05T10:30',
      to: 'yesterday',
      limit: '0',
      cursor: 'abc',
    });
    expect(parsed.query).toEqual({});
    expect(parsed.problems).toEqual([
      'Who: longer than 200 characters; left out.',
      'Action: longer than 100 characters; left out.',
      'Result: "maybe" is not one of ok, refused, rejected, failed; left out.',
      'From: "2026-13-05T10:30" is not a date and time (YYYY-MM-DDTHH:MM, UTC); left out.',
      'To: "yesterday" is not a date and time (YYYY-MM-DDTHH:MM, UTC); left out.',
      'Page size: "0" is not a whole number from 1 to 500; the default is used.',
      'Page: "abc" is not a cursor from a previous page; showing the newest actions.',
    ]);

    const mixed = parseActivityQuery({ actor: 'alice', from: '2026-02-30T00:00' });
    expect(mixed.query).toEqual({ actor: 'alice' });
    expect(mixed.problems).toHaveLength(1);
  });

  it('refuses page sizes the schema would coerce from something else than digits', () => {
    for (const limit of ['1e2', '0x10', '2.5', '-1', '501']) {
      const parsed = parseActivityQuery({ limit });
      expect(parsed.query).toEqual({});
      expect(parsed.problems).toHaveLength(1);
    }
  });

  it('shortens a long bad value in its message', () => {
    const [problem] = parseActivityQuery({ cursor: '9'.repeat(60) }).problems;
    expect(problem).toBe(
      `Page: "${'9'.repeat(40)}…" is not a cursor from a previous page; showing the newest actions.`,
    );
  });
});

describe('localInputToUtcIso and isoToUtcInput', () => {
  it('reads a datetime-local value as UTC, at every precision the input submits', () => {
    expect(localInputToUtcIso('2026-12-05T10:30')).toBe('2026-12-05T10:30:00Z');
    expect(localInputToUtcIso('2026-12-05T10:30:15')).toBe('2026-12-05T10:30:15Z');
    expect(localInputToUtcIso('2026-12-05T10:30:15.5')).toBe('2026-12-05T10:30:15.5Z');
    expect(localInputToUtcIso('2026-12-05T10:30:00Z')).toBe('2026-12-05T10:30:00Z');
  });

  it('shows an instant as a UTC datetime-local value, no finer than it needs', () => {
    expect(isoToUtcInput('2026-12-05T10:30:00Z')).toBe('2026-12-05T10:30');
    expect(isoToUtcInput('2026-12-05T12:30:00+02:00')).toBe('2026-12-05T10:30');
    expect(isoToUtcInput('2026-12-05T10:30:15Z')).toBe('2026-12-05T10:30:15');
    expect(isoToUtcInput('2026-12-05T10:30:15.250Z')).toBe('2026-12-05T10:30:15.250');
    expect(isoToUtcInput('not a date')).toBeNull();
  });

  it('gives the input a step fine enough for its value', () => {
    expect(datetimeInputStep('2026-12-05T10:30')).toBeUndefined();
    expect(datetimeInputStep('2026-12-05T10:30:15')).toBe(1);
    expect(datetimeInputStep('2026-12-05T10:30:15.250')).toBe(0.001);
  });

  it('round-trips: the form shows what it would submit again', () => {
    const { query } = parseActivityQuery({ from: '2026-12-05T10:30', to: '2026-12-05T11:00:01' });
    expect(activityFormValues(query)).toMatchObject({ from: '2026-12-05T10:30', to: '2026-12-05T11:00:01' });
  });
});

describe('pagination links', () => {
  const { query } = parseActivityQuery({
    actor: 'local:alice',
    result: 'ok',
    from: '2026-12-05T10:30',
    limit: '20',
    cursor: '812',
  });

  it('goes older with the same filters and the next cursor', () => {
    const href = olderHref(query, '790');
    const url = new URL(href, 'http://console.test');
    expect(url.pathname).toBe('/activity');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      actor: 'local:alice',
      result: 'ok',
      from: '2026-12-05T10:30:00Z',
      limit: '20',
      cursor: '790',
    });
  });

  it('goes back to the newest page with the filters kept and the cursor dropped', () => {
    const url = new URL(newestHref(query), 'http://console.test');
    expect(url.searchParams.has('cursor')).toBe(false);
    expect(url.searchParams.get('actor')).toBe('local:alice');
  });

  it('is the bare path without filters', () => {
    expect(activityHref({})).toBe('/activity');
    expect(activityHref({}, '5')).toBe('/activity?cursor=5');
  });

  it('encodes values, and its links parse back to the same query', () => {
    const odd = parseActivityQuery({ actor: 'Ops & Co #1', from: '2026-12-05T10:30:00+02:00' }).query;
    const href = olderHref(odd, '42');
    const params = Object.fromEntries(new URL(href, 'http://console.test').searchParams);
    expect(parseActivityQuery(params)).toEqual({ query: { ...odd, cursor: '42' }, problems: [] });
  });
});

describe('activityFormValues', () => {
  it('shows unset filters as empty inputs', () => {
    expect(activityFormValues({})).toEqual({
      actor: '',
      action: '',
      result: '',
      from: '',
      to: '',
      limit: '',
    });
  });
});

describe('LOGGED_ACTIONS', () => {
  it('lists the logged routes only: the ones an action row can name', () => {
    expect(LOGGED_ACTIONS).toContain('backfills.create');
    expect(LOGGED_ACTIONS).not.toContain('actions.list');
    for (const id of LOGGED_ACTIONS) expect(API_ROUTES[id].logged).toBe(true);
  });
});

describe('targetHref', () => {
  it("links a backfill's, a replay run's and one DLQ record's place in the console", () => {
    expect(targetHref('backfill/7')).toBe('/backfills#backfill-7');
    expect(targetHref('replay/3')).toBe('/dlq#replay-3');
    expect(targetHref('dlq/42')).toBe('/dlq?id=42');
  });

  it('leaves alone what has no page: several records, a filter, a token, a route path', () => {
    for (const target of ['dlq/1,2', 'dlq/filter', 'token/4', '/api/backfills', 'backfill/x']) {
      expect(targetHref(target)).toBeNull();
    }
  });
});
