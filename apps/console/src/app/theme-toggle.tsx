'use client';

import { useState } from 'react';
import { dataTheme, themeCookie, THEMES, type Theme } from '../lib/theme';

const LABELS: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

/**
 * System / light / dark, as three radio buttons (arrow keys move between them). A choice applies at
 * once (the root's `data-theme`) and is kept in a cookie the server reads on the next request, so a
 * reload paints the chosen theme from the first frame.
 */
export function ThemeToggle({ initial }: { initial: Theme }) {
  const [theme, setTheme] = useState<Theme>(initial);

  const choose = (next: Theme): void => {
    setTheme(next);
    const attribute = dataTheme(next);
    const root = document.documentElement;
    if (attribute === undefined) delete root.dataset['theme'];
    else root.dataset['theme'] = attribute;
    document.cookie = themeCookie(next, window.location.protocol === 'https:');
  };

  return (
    <fieldset className="theme-toggle" data-testid="theme-toggle">
      <legend className="visually-hidden">Theme</legend>
      {THEMES.map((t) => (
        <label key={t} className="theme-option">
          <input
            type="radio"
            name="theme"
            value={t}
            checked={theme === t}
            onChange={() => choose(t)}
            className="theme-radio"
          />
          {LABELS[t]}
        </label>
      ))}
    </fieldset>
  );
}
