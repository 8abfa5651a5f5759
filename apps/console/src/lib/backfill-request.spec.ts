import { describe, expect, it } from '@jest/globals';
import {
  addPartitionRow,
  buildCreateRequest,
  EMPTY_FORM,
  localInputToIso,
  removePartitionRow,
  utcOffsetLabel,
  type BackfillFormState,
} from './backfill-request';

const form = (patch: Partial<BackfillFormState>): BackfillFormState => ({ ...EMPTY_FORM, ...patch });

describe('buildCreateRequest', () => {
  it('leaves empty optional fields out, so the processor applies its defaults', () => {
    expect(buildCreateRequest(form({ targetTopic: ' events.backfill ' }))).toEqual({
      ok: true,
      request: { targetTopic: 'events.backfill', range: { kind: 'time' } },
    });
  });

  it('sends every field the operator filled in', () => {
    const built = buildCreateRequest(
      form({
        sourceTopic: 'events.raw',
        targetTopic: 'events.backfill',
        from: '2026-12-01T00:00',
        to: '2026-12-02T00:00',
        maxEventsPerSecond: '500',
        reason: '  INC-42 replay  ',
      }),
      (local) => `${local}:00Z`,
    );
    expect(built).toEqual({
      ok: true,
      request: {
        sourceTopic: 'events.raw',
        targetTopic: 'events.backfill',
        range: { kind: 'time', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' },
        maxEventsPerSecond: 500,
        reason: 'INC-42 replay',
      },
    });
  });

  it('requires a target topic and a valid topic name', () => {
    const built = buildCreateRequest(form({ sourceTopic: 'bad topic!' }));
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.errors['targetTopic']).toMatch(/^Required/);
    expect(built.errors['sourceTopic']).toMatch(/^A Kafka topic name/);
  });

  it('rejects a time range that ends before it starts, and unreadable times', () => {
    const reversed = buildCreateRequest(
      form({ targetTopic: 't', from: '2026-12-02T00:00', to: '2026-12-01T00:00' }),
      (local) => `${local}:00Z`,
    );
    expect(reversed).toEqual({ ok: false, errors: { 'range.to': 'Must be after From' } });
    const garbage = buildCreateRequest(form({ targetTopic: 't', from: 'yesterday' }));
    expect(garbage.ok).toBe(false);
    if (!garbage.ok) expect(Object.keys(garbage.errors)).toEqual(['range.from']);
  });

  it('builds offset ranges with offsets as strings and partition numbers', () => {
    const built = buildCreateRequest(
      form({
        targetTopic: 't',
        rangeKind: 'offsets',
        partitions: [
          { id: 0, partition: '0', start: '10', end: '200' },
          { id: 1, partition: '1', start: '0', end: '9223372036854775807' },
        ],
      }),
    );
    expect(built).toEqual({
      ok: true,
      request: {
        targetTopic: 't',
        range: {
          kind: 'offsets',
          partitions: [
            { partition: 0, start: '10', end: '200' },
            { partition: 1, start: '0', end: '9223372036854775807' },
          ],
        },
      },
    });
  });

  it('says which offset row is wrong', () => {
    const built = buildCreateRequest(
      form({
        targetTopic: 't',
        rangeKind: 'offsets',
        partitions: [
          { id: 0, partition: '0', start: '200', end: '10' },
          { id: 1, partition: '0', start: '', end: 'x' },
        ],
      }),
    );
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.errors['range.partitions.0.end']).toBe('Must not be before the start offset');
    expect(built.errors['range.partitions.1.partition']).toBe('Partition 0 is listed twice');
    expect(built.errors['range.partitions.1.start']).toBe('Required');
    expect(built.errors['range.partitions.1.end']).toMatch(/^An offset/);
  });

  it('needs at least one partition for an offset range', () => {
    const built = buildCreateRequest(form({ targetTopic: 't', rangeKind: 'offsets', partitions: [] }));
    expect(built).toEqual({ ok: false, errors: { 'range.partitions': 'Name at least one partition' } });
  });

  it('takes a whole, positive rate only', () => {
    for (const rate of ['1.5', 'fast', '-3']) {
      const built = buildCreateRequest(form({ targetTopic: 't', maxEventsPerSecond: rate }));
      expect(built.ok ? null : Object.keys(built.errors)).toEqual(['maxEventsPerSecond']);
    }
    const zero = buildCreateRequest(form({ targetTopic: 't', maxEventsPerSecond: '0' }));
    expect(zero.ok ? null : Object.keys(zero.errors)).toEqual(['maxEventsPerSecond']);
  });
});

describe('partition rows', () => {
  it('adds a row for the next unused partition and removes rows by id', () => {
    const two = addPartitionRow(EMPTY_FORM);
    expect(two.partitions.map((row) => [row.id, row.partition])).toEqual([
      [0, '0'],
      [1, '1'],
    ]);
    const one = removePartitionRow(two, 0);
    expect(one.partitions.map((row) => row.id)).toEqual([1]);
    expect(addPartitionRow(one).partitions.map((row) => [row.id, row.partition])).toEqual([
      [1, '1'],
      [2, '0'],
    ]);
  });
});

describe('localInputToIso', () => {
  it('reads a datetime-local value in the local zone', () => {
    expect(localInputToIso('2026-12-01T08:30')).toBe(new Date(2026, 11, 1, 8, 30).toISOString());
    expect(localInputToIso('2026-12-01T08:30:15')).toBe(new Date(2026, 11, 1, 8, 30, 15).toISOString());
  });

  it('refuses anything else', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('2026-12-01')).toBeNull();
    expect(localInputToIso('2026-13-45T99:99')).toBeNull();
  });
});

describe('utcOffsetLabel', () => {
  it('formats the offset of the given instant', () => {
    const at = new Date();
    const minutes = -at.getTimezoneOffset();
    expect(utcOffsetLabel(at)).toMatch(minutes < 0 ? /^UTC−\d{2}:\d{2}$/ : /^UTC\+\d{2}:\d{2}$/);
  });
});
