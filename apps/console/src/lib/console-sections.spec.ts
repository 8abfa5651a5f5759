import { describe, expect, it } from '@jest/globals';
import { CONSOLE_SECTIONS, isCurrentSection, navAccessibleName } from './console-sections';

describe('the console sections', () => {
  it('are each listed once', () => {
    const hrefs = CONSOLE_SECTIONS.map((s) => s.href);
    expect(new Set(hrefs).size).toBe(hrefs.length);
    expect(hrefs).toEqual(
      expect.arrayContaining(['/', '/watermarks', '/lateness', '/exactly-once', '/dlq', '/lineage']),
    );
  });

  it('name a shortened link by its full name, with the short one in it', () => {
    expect(navAccessibleName({ label: 'Watermarks' })).toBeUndefined();
    expect(navAccessibleName({ label: 'Late events', short: 'Late' })).toBe('Late events');
    expect(navAccessibleName({ label: 'Dead letters', short: 'DLQ' })).toBe('Dead letters (DLQ)');
  });

  it('mark the current one, the overview only at the root', () => {
    expect(isCurrentSection('/', '/')).toBe(true);
    expect(isCurrentSection('/', '/dlq')).toBe(false);
    expect(isCurrentSection('/dlq', '/dlq')).toBe(true);
    expect(isCurrentSection('/dlq', '/dlq/records')).toBe(true);
    expect(isCurrentSection('/lineage', '/lineage-old')).toBe(false);
  });
});
