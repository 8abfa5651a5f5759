import { dlqDiscardRequestSchema, dlqListQuerySchema } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  closeRecordHref,
  describeLastDay,
  discardedMessage,
  dlqFormValues,
  dlqHref,
  formatAge,
  groupQuestion,
  groupRecordsHref,
  groupSelection,
  isDiscardable,
  listQuery,
  MAX_VALUE_LINES,
  newestHref,
  olderHref,
  parseDlqView,
  previewText,
  reasonProblem,
  recordHref,
  selectedQuestion,
  selectedScope,
  sparklinePath,
  statusHref,
  valueView,
  type DlqView,
} from './dlq-view';

const FP = '0123456789abcdef';

describe('parseDlqView', () => {
  it('shows open records, newest first, nothing open, for no parameters', () => {
    expect(parseDlqView({})).toEqual({ view: { status: 'open', filters: {} }, problems: [] });
  });

  it('drops empty and blank values, as an untouched filter form submits them', () => {
    expect(
      parseDlqView({
        status: '',
        errorType: ' ',
        sourceTopic: '',
        sourcePartition: '',
        from: '',
        to: '',
        q: '',
        cursor: '',
        id: '',
      }),
    ).toEqual({ view: { status: 'open', filters: {} }, problems: [] });
  });

  it('keeps every valid value, trimmed, and reads datetime-local values as UTC', () => {
    const parsed = parseDlqView({
      status: 'discarded',
      fingerprint: FP,
      errorType: ' schema_violation ',
      sourceTopic: 'events.raw',
      sourcePartition: '3',
      from: '2026-12-05T10:30',
      to: '2026-12-06T08:00:15',
      q: 'order-42',
      limit: '20',
      cursor: '812',
      id: '77',
    });
    expect(parsed).toEqual({
      view: {
        status: 'discarded',
        filters: {
          fingerprint: FP,
          errorType: 'schema_violation',
          sourceTopic: 'events.raw',
          sourcePartition: 3,
          from: '2026-12-05T10:30:00Z',
          to: '2026-12-06T08:00:15Z',
          q: 'order-42',
          limit: 20,
        },
        cursor: '812',
        id: '77',
      },
      problems: [],
    });
    // What it sends is what the processor accepts.
    expect(dlqListQuerySchema.safeParse(listQuery(parsed.view)).success).toBe(true);
  });

  it('takes the first of a repeated parameter', () => {
    expect(parseDlqView({ status: ['quarantined', 'open'] }).view.status).toBe('quarantined');
  });

  it('leaves out each bad value with a problem that names the field, keeping the good ones', () => {
    const parsed = parseDlqView({
      status: 'gone',
      fingerprint: 'not-a-fingerprint',
      errorType: 'e'.repeat(101),
      sourceTopic: 't'.repeat(250),
      sourcePartition: '1e2',
      from: '2026-13-05T10:30',
      to: 'yesterday',
      q: 'q'.repeat(201),
      limit: '0',
      cursor: 'abc',
      id: '-1',
    });
    expect(parsed.view).toEqual({ status: 'open', filters: {} });
    expect(parsed.problems).toEqual([
      'Status: "gone" is not one of open, replaying, replayed, discarded, quarantined, resolved; showing open records.',
      'Group: "not-a-fingerprint" is not a group fingerprint (16 hex characters); left out.',
      'Error type: longer than 100 characters; left out.',
      'Source topic: longer than 249 characters; left out.',
      'Partition: "1e2" is not a partition number; left out.',
      'From: "2026-13-05T10:30" is not a date and time (YYYY-MM-DDTHH:MM, UTC); left out.',
      'To: "yesterday" is not a date and time (YYYY-MM-DDTHH:MM, UTC); left out.',
      'Text: longer than 200 characters; left out.',
      'Page size: "0" is not a whole number from 1 to 500; the default is used.',
      'Page: "abc" is not a cursor from a previous page; showing the newest records.',
      'Record: "-1" is not a record id (a whole number); none is opened.',
    ]);
  });

  it('shortens a long bad value in its problem', () => {
    const [problem] = parseDlqView({ cursor: 'x'.repeat(100) }).problems;
    expect(problem).toContain(`"${'x'.repeat(40)}…"`);
  });
});

describe('the links', () => {
  const view: DlqView = {
    status: 'quarantined',
    filters: { errorType: 'invalid_json', from: '2026-12-05T10:30:00Z' },
    cursor: '90',
    id: '12',
  };

  it('spell a plain view as plain /dlq', () => {
    expect(dlqHref({ status: 'open', filters: {} })).toBe('/dlq');
  });

  it('round-trip: the parsed link is the view', () => {
    const href = dlqHref(view);
    const params = Object.fromEntries(new URL(href, 'http://console').searchParams);
    expect(parseDlqView(params).view).toEqual(view);
  });

  it('open and close a record, keeping filters and page', () => {
    expect(recordHref({ ...view, id: undefined }, '5')).toBe(
      '/dlq?status=quarantined&errorType=invalid_json&from=2026-12-05T10%3A30%3A00Z&cursor=90&id=5',
    );
    expect(closeRecordHref(view)).toBe(
      '/dlq?status=quarantined&errorType=invalid_json&from=2026-12-05T10%3A30%3A00Z&cursor=90',
    );
  });

  it('page older and back to the newest, filters kept, no record open', () => {
    expect(olderHref(view, '44')).toBe(
      '/dlq?status=quarantined&errorType=invalid_json&from=2026-12-05T10%3A30%3A00Z&cursor=44',
    );
    expect(newestHref(view)).toBe(
      '/dlq?status=quarantined&errorType=invalid_json&from=2026-12-05T10%3A30%3A00Z',
    );
  });

  it('switch status keeping the filters, from the newest page', () => {
    expect(statusHref(view, 'open')).toBe('/dlq?errorType=invalid_json&from=2026-12-05T10%3A30%3A00Z');
  });

  it("show a group's records by its fingerprint alone, in the same status", () => {
    expect(groupRecordsHref(view, FP)).toBe(`/dlq?status=quarantined&fingerprint=${FP}`);
  });
});

describe('dlqFormValues', () => {
  it('shows instants as UTC datetime-local values and unset values as empty', () => {
    expect(
      dlqFormValues({
        status: 'open',
        filters: { from: '2026-12-05T10:30:00Z', to: '2026-12-05T10:30:15.5Z', sourcePartition: 0 },
      }),
    ).toEqual({
      status: 'open',
      fingerprint: '',
      errorType: '',
      sourceTopic: '',
      sourcePartition: '0',
      from: '2026-12-05T10:30',
      to: '2026-12-05T10:30:15.500',
      q: '',
      limit: '',
    });
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  it('says how long ago, and – for none', () => {
    expect(formatAge('2026-12-05T11:57:00Z', now)).toBe('3 min 00 s');
    expect(formatAge('2026-12-04T10:00:00Z', now)).toBe('1 d 2 h');
    expect(formatAge(null, now)).toBe('–');
    expect(formatAge('not a date', now)).toBe('–');
  });

  it('never goes negative when the processor clock is ahead', () => {
    expect(formatAge('2026-12-05T12:00:05Z', now)).toBe('0 s');
  });
});

describe('sparklinePath', () => {
  it('puts the busiest hour at the top and zero on the bottom edge, left to right', () => {
    expect(sparklinePath([0, 2, 4], 10, 10)).toBe('M0,9 L5,5 L10,1');
  });

  it('draws a flat line on the bottom for a quiet day', () => {
    expect(sparklinePath([0, 0, 0], 10, 10)).toBe('M0,9 L5,9 L10,9');
  });

  it('spreads 24 hours over the width', () => {
    const path = sparklinePath(
      Array.from({ length: 24 }, () => 1),
      92,
      20,
    );
    expect(path.split(' ')).toHaveLength(24);
    expect(path.endsWith('L92,1')).toBe(true);
  });

  it('draws nothing for no hours', () => {
    expect(sparklinePath([], 10, 10)).toBe('');
  });
});

describe('describeLastDay', () => {
  it('states the total, the busiest hour and the latest hour', () => {
    const counts = [...Array.from({ length: 22 }, () => 0), 6, 4];
    expect(describeLastDay(counts)).toBe(
      '10 records in the last 24 hours, at most 6 in one hour, 4 in the latest hour',
    );
    expect(describeLastDay(Array.from({ length: 24 }, () => 0))).toBe('No records in the last 24 hours');
  });
});

describe('valueView', () => {
  const record = (value: string | null, invalidFields: string[] = [], valueBase64: string | null = null) => ({
    value,
    valueBase64,
    invalidFields,
  });

  it('pretty-prints JSON and marks the top-level field the error names', () => {
    const view = valueView(record('{"event_id":"x","event_time":"yesterday","payload":{}}', ['event_time']));
    expect(view).toEqual({
      kind: 'json',
      lines: [
        { text: '{', invalid: null },
        { text: '  "event_id": "x",', invalid: null },
        { text: '  "event_time": "yesterday",', invalid: 'event_time' },
        { text: '  "payload": {}', invalid: null },
        { text: '}', invalid: null },
      ],
      missing: [],
      truncated: false,
    });
  });

  it('marks a nested field on its own line, and an object field on its opening line', () => {
    const view = valueView(
      record('{"payload":{"amount":-1,"items":[{"sku":1}]}}', ['payload.amount', 'payload.items']),
    );
    if (view.kind !== 'json') throw new Error(view.kind);
    expect(view.lines.filter((l) => l.invalid !== null)).toEqual([
      { text: '    "amount": -1,', invalid: 'payload.amount' },
      { text: '    "items": [', invalid: 'payload.items' },
    ]);
    expect(view.lines.map((l) => l.text)).toEqual([
      '{',
      '  "payload": {',
      '    "amount": -1,',
      '    "items": [',
      '      {',
      '        "sku": 1',
      '      }',
      '    ]',
      '  }',
      '}',
    ]);
  });

  it('keeps literals as sent: a big number is not rounded, escapes stay escapes', () => {
    const view = valueView(record('{"event_time":12345678901234567890,"s":"a\\"b\\u00e9"}'));
    if (view.kind !== 'json') throw new Error(view.kind);
    expect(view.lines.map((l) => l.text)).toEqual([
      '{',
      '  "event_time": 12345678901234567890,',
      '  "s": "a\\"b\\u00e9"',
      '}',
    ]);
  });

  it('names a field the error names but the value lacks (a missing required field)', () => {
    const view = valueView(record('{"event_type":"t"}', ['event_id']));
    expect(view).toMatchObject({ kind: 'json', missing: ['event_id'] });
  });

  it('pretty-prints top-level arrays and scalars, and reformats whitespace', () => {
    const view = valueView(record(' [ 1 , [ ] , { } ] '));
    if (view.kind !== 'json') throw new Error(view.kind);
    expect(view.lines.map((l) => l.text)).toEqual(['[', '  1,', '  [],', '  {}', ']']);
    const scalar = valueView(record('"just a string"'));
    expect(scalar).toMatchObject({ kind: 'json', lines: [{ text: '"just a string"', invalid: null }] });
  });

  it('shows text that is not JSON as it is, and bytes that are not UTF-8 as base64', () => {
    expect(valueView(record('not json #1'))).toEqual({ kind: 'text', text: 'not json #1' });
    expect(valueView(record(null, [], '/w=='))).toEqual({ kind: 'base64', text: '/w==' });
    expect(valueView(record(null))).toEqual({ kind: 'none' });
  });

  it('shows a value nested too deep to print as its text', () => {
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    expect(valueView(record(deep))).toEqual({ kind: 'text', text: deep });
  });

  it('cuts a very long value and says so', () => {
    const long = JSON.stringify(Array.from({ length: MAX_VALUE_LINES + 10 }, (_, i) => i));
    const view = valueView(record(long, ['5000']));
    expect(view).toMatchObject({ kind: 'json', truncated: true, missing: [] });
    if (view.kind === 'json') expect(view.lines).toHaveLength(MAX_VALUE_LINES);
  });
});

describe('discard wording and selection', () => {
  const causes: Record<string, string> = { [FP]: 'invalid_json: record value is not JSON' };
  const causeOf = (fingerprint: string) => causes[fingerprint];

  it('states the scope of selected records by their cause', () => {
    expect(
      selectedQuestion(
        [
          { fingerprint: FP, errorType: 'invalid_json' },
          { fingerprint: FP, errorType: 'invalid_json' },
        ],
        causeOf,
      ),
    ).toBe('Discard 2 records of cause invalid_json: record value is not JSON?');
    expect(
      selectedQuestion(
        [
          { fingerprint: FP, errorType: 'invalid_json' },
          { fingerprint: 'ffffffffffffffff', errorType: 'schema_violation' },
        ],
        causeOf,
      ),
    ).toBe('Discard 2 records of 2 causes?');
    expect(
      selectedQuestion([{ fingerprint: 'ffffffffffffffff', errorType: 'schema_violation' }], causeOf),
    ).toBe('Discard 1 record of cause schema_violation?');
  });

  it('states the scope of selected records without a verb, for the replay dialog too', () => {
    const causeOf = (fingerprint: string) => (fingerprint === FP ? 'invalid_json: not JSON' : undefined);
    expect(selectedScope([{ fingerprint: FP, errorType: 'invalid_json' }], causeOf)).toBe(
      '1 record of cause invalid_json: not JSON',
    );
    expect(
      selectedScope(
        [
          { fingerprint: FP, errorType: 'invalid_json' },
          { fingerprint: 'ffffffffffffffff', errorType: 'schema_violation' },
        ],
        causeOf,
      ),
    ).toBe('2 records of 2 causes');
  });

  it("states a group's scope with its count, status and cause", () => {
    expect(groupQuestion({ count: 40, cause: 'schema_violation: event_time: Invalid input' }, 'open')).toBe(
      'Discard all 40 open records of group schema_violation: event_time: Invalid input?',
    );
    expect(groupQuestion({ count: 1, cause: 'x' }, 'quarantined')).toBe(
      'Discard the 1 quarantined record of group x?',
    );
  });

  it('selects a group up to its newest failure as shown, which the processor accepts', () => {
    const selection = groupSelection({ fingerprint: FP, lastFailureAt: '2026-12-05T10:30:00.123Z' }, 'open');
    expect(selection).toEqual({
      filter: { status: 'open', fingerprint: FP, to: '2026-12-05T10:30:00.124Z' },
    });
    expect(dlqDiscardRequestSchema.safeParse({ selection, reason: 'poison' }).success).toBe(true);
  });

  it('asks for a reason of 3 to 500 characters, as the contract does', () => {
    expect(reasonProblem('  ab ')).toBe('Say why, in a few words (at least 3 characters).');
    expect(reasonProblem('x'.repeat(501))).toBe('At most 500 characters.');
    expect(reasonProblem('bad producer deploy')).toBeNull();
  });

  it('reports what was discarded, and what was no longer discardable', () => {
    expect(discardedMessage(2, 2)).toBe('Discarded 2 records.');
    expect(discardedMessage(1, 1)).toBe('Discarded 1 record.');
    expect(discardedMessage(1, 3)).toBe('Discarded 1 record. 2 records were no longer open or quarantined.');
    expect(discardedMessage(0, 1)).toBe('Discarded 0 records. 1 record was no longer open or quarantined.');
  });

  it('offers discard only for open and quarantined records', () => {
    expect(isDiscardable('open')).toBe(true);
    expect(isDiscardable('quarantined')).toBe(true);
    for (const status of ['replaying', 'replayed', 'discarded', 'resolved'] as const) {
      expect(isDiscardable(status)).toBe(false);
    }
  });

  it('cuts a long preview for its cell', () => {
    expect(previewText(null)).toBe('–');
    expect(previewText('short')).toBe('short');
    expect(previewText('x'.repeat(100))).toBe(`${'x'.repeat(80)}…`);
  });
});
