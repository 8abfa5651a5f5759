import type { LineageOccurrence } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  coordinatesText,
  decisionText,
  dlqRecordHref,
  lineageHref,
  msText,
  originText,
  parseLineageSearch,
  subjectText,
  summaryText,
  traceHref,
  utcText,
} from './lineage-view';

const occurrence = (over: Partial<LineageOccurrence> = {}): LineageOccurrence => ({
  pipeline: 'orders',
  backfillId: null,
  pipelineVersion: '3',
  eventId: 'e-1',
  coordinates: { topic: 'events.raw', partition: 2, offset: '17' },
  processedAt: '2026-12-05T10:30:00.000Z',
  eventTime: '2026-12-05T10:29:59.000Z',
  outcome: 'unique',
  reason: null,
  errorType: null,
  matchedStrategy: null,
  dedupKey: 'event_id:e-1',
  firstOccurrence: null,
  watermark: null,
  latenessMs: null,
  traceId: null,
  approximate: false,
  dlq: null,
  replay: null,
  ...over,
});

describe('parseLineageSearch', () => {
  it('asks nothing for no parameters, or blank ones from an untouched form', () => {
    const empty = { eventId: '', dedupKey: '', topic: '', partition: '', offset: '' };
    expect(parseLineageSearch({})).toEqual({ kind: 'empty', values: empty });
    expect(parseLineageSearch({ eventId: ' ', topic: '', partition: '', offset: '' })).toEqual({
      kind: 'empty',
      values: empty,
    });
  });

  it('searches by event id, trimmed, the first of a repeated one', () => {
    expect(parseLineageSearch({ eventId: [' order-1 ', 'order-2'], topic: '' })).toMatchObject({
      kind: 'search',
      query: { eventId: 'order-1' },
    });
  });

  it('searches by dedup key, exactly as the audit stores it (strategy prefix included)', () => {
    expect(parseLineageSearch({ dedupKey: ' payload_hash:9f2c ' })).toEqual({
      kind: 'search',
      values: { eventId: '', dedupKey: 'payload_hash:9f2c', topic: '', partition: '', offset: '' },
      query: { dedupKey: 'payload_hash:9f2c' },
    });
  });

  it('searches by coordinates, the partition as a number and the offset as a string', () => {
    expect(parseLineageSearch({ topic: 'events.raw', partition: '3', offset: '1200' })).toMatchObject({
      kind: 'search',
      query: { topic: 'events.raw', partition: 3, offset: '1200' },
    });
  });

  it('says what is wrong instead of searching', () => {
    const problems = (params: Record<string, string>) => {
      const parsed = parseLineageSearch(params);
      return parsed.kind === 'invalid' ? parsed.problems : [];
    };
    expect(problems({ eventId: 'x', topic: 't', partition: '0', offset: '1' })).toEqual([
      'Search: search by one of eventId, dedupKey, or topic, partition and offset.',
    ]);
    expect(problems({ eventId: 'x', dedupKey: 'event_id:x' })).toEqual([
      'Search: search by one of eventId, dedupKey, or topic, partition and offset.',
    ]);
    expect(problems({ dedupKey: 'k'.repeat(2001) })).toEqual([
      'Dedup key: a dedup key: at most 2000 characters.',
    ]);
    expect(problems({ topic: 't', partition: '0' })).toEqual([
      'Search: coordinates need all three of topic, partition and offset.',
    ]);
    expect(problems({ topic: 't', partition: '0', offset: 'abc' })).toEqual([
      'Offset: an offset: a whole number.',
    ]);
    expect(problems({ topic: 't', partition: '1e2', offset: '1' })).toEqual([
      'Partition: a whole number, 0 or more.',
    ]);
    expect(problems({ eventId: 'x'.repeat(501) })).toEqual([
      'Event id: an event id: at most 500 characters.',
    ]);
  });
});

describe('decisionText', () => {
  it('names the first occurrence of a duplicate, when it was first seen, and the strategy', () => {
    expect(
      decisionText(
        occurrence({
          outcome: 'duplicate',
          matchedStrategy: 'event_id',
          firstOccurrence: {
            topic: 'events.raw',
            partition: 0,
            offset: '5',
            firstSeenAt: '2026-12-05T10:00:00.250Z',
          },
        }),
      ),
    ).toBe('duplicate of events.raw/0/5 (first seen 2026-12-05 10:00:00.250 UTC) by event_id');
  });

  it("keeps approximate mode's own words for a duplicate without a first occurrence", () => {
    const reason =
      'probable duplicate by event_id: key found in the Bloom filter of generation 4 (approximate mode)';
    expect(decisionText(occurrence({ outcome: 'duplicate', approximate: true, reason }))).toBe(reason);
  });

  it('states how late, behind which watermark', () => {
    expect(
      decisionText(
        occurrence({ outcome: 'late', latenessMs: 59_000, watermark: '2026-12-05T10:29:00.000Z' }),
      ),
    ).toBe('late by 59,000 ms behind the watermark 2026-12-05 10:29:00.000 UTC');
  });

  it('gives the error of an invalid or failed record, and says a unique one was forwarded', () => {
    expect(
      decisionText(
        occurrence({
          outcome: 'invalid',
          eventId: null,
          errorType: 'invalid_json',
          reason: 'record value is not JSON',
        }),
      ),
    ).toBe('rejected by the event contract: invalid_json: record value is not JSON');
    expect(decisionText(occurrence({ outcome: 'failed', errorType: null, reason: null }))).toBe(
      'processing failed',
    );
    expect(decisionText(occurrence())).toBe('first occurrence: forwarded to the output');
  });
});

describe('links and labels', () => {
  it('builds the trace link from the template, only when there is one', () => {
    expect(traceHref('https://grafana/explore?trace={traceId}&x={traceId}', 'abc')).toBe(
      'https://grafana/explore?trace=abc&x=abc',
    );
    expect(traceHref(null, 'abc')).toBeNull();
    expect(traceHref('https://t/{traceId}', null)).toBeNull();
  });

  it('links a search by id, by dedup key or by coordinates, and a DLQ record in its status', () => {
    expect(lineageHref({ eventId: 'a b&c' })).toBe('/lineage?eventId=a+b%26c');
    expect(lineageHref({ dedupKey: 'payload_hash:9f/2c' })).toBe('/lineage?dedupKey=payload_hash%3A9f%2F2c');
    expect(lineageHref({ topic: 'events.raw', partition: 1, offset: '9' })).toBe(
      '/lineage?topic=events.raw&partition=1&offset=9',
    );
    expect(dlqRecordHref('42')).toBe('/dlq?id=42');
    expect(dlqRecordHref('42', 'open')).toBe('/dlq?id=42');
    expect(dlqRecordHref('42', 'replayed')).toBe('/dlq?status=replayed&id=42');
    expect(dlqRecordHref('42', 'no-such-status')).toBe('/dlq?id=42');
  });

  it('labels backfill occurrences with their job', () => {
    expect(originText(occurrence())).toBe('live pipeline');
    expect(originText(occurrence({ pipeline: 'orders.backfill.7', backfillId: '7' }))).toBe('backfill 7');
  });

  it('spells coordinates, times and durations without a locale', () => {
    expect(coordinatesText({ topic: 't', partition: 0, offset: '12' })).toBe('t/0/12');
    expect(utcText('2026-12-05T10:30:00Z')).toBe('2026-12-05 10:30:00.000 UTC');
    expect(utcText('not a time')).toBe('not a time');
    expect(msText(1_234_567)).toBe('1,234,567 ms');
    expect(msText(5)).toBe('5 ms');
  });

  it('sums the answer up, and says when it was cut', () => {
    expect(summaryText(1, false, 'event e-1')).toBe('1 occurrence of event e-1, oldest first.');
    expect(summaryText(100, true, 'this record')).toMatch(
      /^The first 100 occurrences of this record, oldest first; there are more/,
    );
  });

  it('names what was searched: a dedup key as such, else the event id it resolved to', () => {
    const query = { eventId: null, dedupKey: null, coordinates: null, limit: 100 };
    expect(subjectText({ eventId: 'e-1', query: { ...query, eventId: 'e-1' } })).toBe('event e-1');
    expect(subjectText({ eventId: null, query })).toBe('this record');
    expect(subjectText({ eventId: 'e-1', query: { ...query, dedupKey: 'payload_hash:9f' } })).toBe(
      'dedup key payload_hash:9f',
    );
  });
});
