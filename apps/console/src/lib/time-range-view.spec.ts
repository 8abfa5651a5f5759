import { overviewQuerySchema } from '@dedup/contracts';
import { describe, expect, it } from '@jest/globals';
import {
  hrefWith,
  parseSearch,
  rangeCaption,
  rangeOptions,
  searchParamsOf,
  stepSpanText,
  stepText,
  timeTicks,
  timeTickText,
} from './time-range-view';

// Local times built with the local constructor: the specs hold in any TZ.
const local = (h: number, m: number, s = 0, day = 5) => new Date(2026, 11, day, h, m, s).getTime();

describe('rangeOptions', () => {
  it('lists the five ranges, marks the current one and keeps the page’s other parameters', () => {
    const options = rangeOptions('/lateness', '6h', { topic: 'events.raw', partition: 2, range: '1h' });
    expect(options.map((o) => o.short)).toEqual(['15m', '1h', '6h', '24h', '7d']);
    expect(options.filter((o) => o.current).map((o) => o.range)).toEqual(['6h']);
    expect(options[0]).toMatchObject({
      label: 'the last 15 minutes',
      href: '/lateness?range=15m&topic=events.raw&partition=2',
    });
  });

  it('marks none when the URL’s range is not one', () => {
    expect(rangeOptions('/', null).some((o) => o.current)).toBe(false);
    expect(rangeOptions('/', null)[4]!.href).toBe('/?range=7d');
  });
});

describe('hrefWith', () => {
  it('drops empty values and keeps the order given', () => {
    expect(hrefWith('/x', { b: '2', a: undefined, c: '', d: 0 })).toBe('/x?b=2&d=0');
    expect(hrefWith('/x', {})).toBe('/x');
  });
});

describe('stepText and rangeCaption', () => {
  it('says a step as an adjective', () => {
    expect(stepText(10)).toBe('10-second');
    expect(stepText(60)).toBe('1-minute');
    expect(stepText(900)).toBe('15-minute');
    expect(stepText(3_600)).toBe('1-hour');
    expect(rangeCaption('1h', 60)).toBe('the last 1 hour, in 1-minute steps');
  });
});

describe('parseSearch', () => {
  it('reads only the schema’s keys, trimmed, and applies its default', () => {
    expect(parseSearch(overviewQuerySchema, { range: ' 6h ', utm: 'x' }, { range: 'Range' })).toEqual({
      ok: true,
      query: { range: '6h' },
    });
    expect(parseSearch(overviewQuerySchema, {}, { range: 'Range' })).toEqual({
      ok: true,
      query: { range: '1h' },
    });
  });

  it('says what is wrong with a bad range, quoting it, and keeps it for the links', () => {
    expect(parseSearch(overviewQuerySchema, { range: '2h' }, { range: 'Range' })).toEqual({
      ok: false,
      problems: ['Range: a range: one of 15m, 1h, 6h, 24h, 7d (not "2h").'],
      raw: { range: '2h' },
    });
  });
});

describe('searchParamsOf', () => {
  it('reads a route handler’s URL, the last of a repeated key', () => {
    expect(searchParamsOf('http://h/api/overview?range=1h&range=6h&x=')).toEqual({ range: '6h', x: '' });
  });
});

describe('timeTicks', () => {
  it('puts ticks on round local times within the range', () => {
    expect(timeTicks(local(14, 7, 30), local(15, 7, 30), '1h')).toEqual([
      local(14, 10),
      local(14, 20),
      local(14, 30),
      local(14, 40),
      local(14, 50),
      local(15, 0),
    ]);
    expect(timeTicks(local(14, 0), local(14, 6), '15m')).toEqual([local(14, 0), local(14, 3), local(14, 6)]);
  });

  it('puts the week’s ticks on local midnights', () => {
    const ticks = timeTicks(local(10, 0, 0, 1), local(10, 0, 0, 8), '7d');
    expect(ticks).toHaveLength(7);
    expect(ticks[0]).toBe(local(0, 0, 0, 2));
    expect(ticks.every((t) => new Date(t).getHours() === 0)).toBe(true);
  });

  it('puts 24 hours’ ticks every 3 hours of the local day', () => {
    const ticks = timeTicks(local(1, 30, 0, 4), local(1, 30), '24h');
    expect(ticks.map((t) => new Date(t).getHours())).toEqual([3, 6, 9, 12, 15, 18, 21, 0]);
  });
});

describe('timeTickText and stepSpanText', () => {
  it('says the clock within a day and the date for the week', () => {
    expect(timeTickText(local(9, 5), '1h')).toBe('09:05');
    expect(timeTickText(local(0, 0), '7d')).toBe('Dec 5');
  });

  it('says a step’s span, with seconds for 10-s steps', () => {
    expect(stepSpanText(local(14, 5), 60, '1h')).toBe('14:05–14:06');
    expect(stepSpanText(local(14, 5, 10), 10, '15m')).toBe('14:05:10–14:05:20');
    expect(stepSpanText(local(14, 0), 3_600, '7d')).toBe('Dec 5 14:00–15:00');
  });
});
