import { describe, expect, it } from '@jest/globals';
import { colorSchemeMeta, dataTheme, parseTheme, themeCookie } from './theme';

describe('theme', () => {
  it('reads the cookie, anything unknown being the OS preference', () => {
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('light')).toBe('light');
    expect(parseTheme('system')).toBe('system');
    expect(parseTheme(undefined)).toBe('system');
    expect(parseTheme('DARK')).toBe('system');
    expect(parseTheme('<script>')).toBe('system');
  });

  it('sets no attribute for the OS preference, and lets the browser pick either scheme', () => {
    expect(dataTheme('system')).toBeUndefined();
    expect(dataTheme('dark')).toBe('dark');
    expect(colorSchemeMeta('system')).toBe('light dark');
    expect(colorSchemeMeta('light')).toBe('light');
  });

  it('keeps a choice for a year and forgets it for the OS preference', () => {
    expect(themeCookie('dark', false)).toBe('theme=dark; Path=/; Max-Age=31536000; SameSite=Lax');
    expect(themeCookie('light', true)).toBe('theme=light; Path=/; Max-Age=31536000; SameSite=Lax; Secure');
    expect(themeCookie('system', false)).toBe('theme=; Path=/; Max-Age=0; SameSite=Lax');
  });
});
