/*
 * The console's colour theme: the OS preference ("system", the default) or the operator's choice,
 * kept in a cookie so the server renders `<html data-theme>` right the first time (no flash of the
 * other theme, no script before paint). globals.css turns the attribute into `color-scheme`. Pure:
 * used by the root layout on the server and by the toggle in the browser.
 */

export const THEME_COOKIE = 'theme';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

/** A year: a preference, not a session. */
const MAX_AGE_S = 365 * 24 * 60 * 60;

/** The cookie's value as a theme; anything else (absent, tampered with) is the OS preference. */
export function parseTheme(value: string | undefined): Theme {
  return THEMES.find((t) => t === value) ?? 'system';
}

/** The `data-theme` attribute of <html>: none for the OS preference. */
export function dataTheme(theme: Theme): 'light' | 'dark' | undefined {
  return theme === 'system' ? undefined : theme;
}

/** The viewport's `color-scheme` meta: what the browser may paint before the CSS is applied. */
export function colorSchemeMeta(theme: Theme): 'light dark' | 'light' | 'dark' {
  return theme === 'system' ? 'light dark' : theme;
}

/**
 * What `document.cookie` is set to: the choice for a year, or the cookie removed for "system" (so
 * a later change of the OS preference is followed). Not HttpOnly: the toggle writes it. Not a
 * secret, so SameSite=Lax; Secure when the console is served over HTTPS.
 */
export function themeCookie(theme: Theme, secure: boolean): string {
  const value = theme === 'system' ? '' : theme;
  const maxAge = theme === 'system' ? 0 : MAX_AGE_S;
  return `${THEME_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax${secure ? '; Secure' : ''}`;
}
