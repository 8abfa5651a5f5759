import { describe, expect, it } from '@jest/globals';
import {
  bytesText,
  countOf,
  countText,
  rateText,
  ratioText,
  recordsText,
  secondsText,
  shortDurationText,
} from './quantity-view';

describe('quantity-view', () => {
  it('groups counts and says a missing one', () => {
    expect(countText(1_234_567)).toBe('1,234,567');
    expect(countText(null)).toBe('–');
    expect(recordsText(1)).toBe('1 record');
    expect(recordsText(1_250)).toBe('1,250 records');
    expect(countOf(1, 'rebalance')).toBe('1 rebalance');
    expect(countOf(0, 'row')).toBe('0 rows');
  });

  it('says a share with a decimal from 1 %, two significant digits below, never “0.0 %” for a few', () => {
    expect(ratioText(0.5)).toBe('50.0 %');
    expect(ratioText(1)).toBe('100.0 %');
    expect(ratioText(0.0123)).toBe('1.2 %');
    expect(ratioText(0.00123)).toBe('0.12 %');
    expect(ratioText(0.0000346)).toBe('0.0035 %');
    expect(ratioText(0)).toBe('0 %');
    expect(ratioText(null)).toBe('–');
  });

  it('says a rate per second', () => {
    expect(rateText(1_234.4)).toBe('1,234/s');
    expect(rateText(12.46)).toBe('12.5/s');
    expect(rateText(16)).toBe('16/s');
    expect(rateText(0.25)).toBe('0.25/s');
    expect(rateText(3)).toBe('3/s');
    expect(rateText(0)).toBe('0/s');
    expect(rateText(null)).toBe('–');
  });

  it('says a duration to three significant digits under a minute, then in minutes and hours', () => {
    expect(shortDurationText(0)).toBe('0 ms');
    expect(shortDurationText(0.84)).toBe('0.8 ms');
    expect(shortDurationText(849.6)).toBe('850 ms');
    expect(shortDurationText(1_523)).toBe('1.52 s');
    expect(shortDurationText(12_345)).toBe('12.3 s');
    expect(shortDurationText(130_000)).toBe('2 min 10 s');
    expect(shortDurationText(3_600_000)).toBe('1 h');
    expect(shortDurationText(null)).toBe('–');
    expect(secondsText(90)).toBe('1 min 30 s');
    expect(secondsText(null)).toBe('–');
  });

  it('says bytes in binary units', () => {
    expect(bytesText(0)).toBe('0 B');
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(1_536)).toBe('1.5 KiB');
    expect(bytesText(24_536_000)).toBe('23.4 MiB');
    expect(bytesText(5 * 1024 ** 3)).toBe('5 GiB');
  });
});
