/*
 * Search parameters of the console's pages (filters kept in the URL): reading them, and the
 * `datetime-local` inputs that carry instants in UTC. Pure: shared by the Activity and DLQ pages.
 */

export type SearchParams = Readonly<Record<string, string | string[] | undefined>>;

// What an `<input type="datetime-local">` submits: no offset, seconds and milliseconds optional.
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** The first of a repeated parameter, trimmed; `undefined` when absent or blank. */
export function single(params: SearchParams, key: string): string | undefined {
  const raw = params[key];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Enough of a bad value to recognise it in a message, however long it was. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * A `datetime-local` value read as UTC (`2026-12-05T10:30` → `2026-12-05T10:30:00Z`); anything else is
 * returned as it is, so a full ISO-8601 instant with its offset (what the page's own links carry)
 * passes through. The server cannot know the browser's offset, hence UTC, which the form says.
 */
export function localInputToUtcIso(value: string): string {
  if (!LOCAL_DATETIME.test(value)) return value;
  return value.length === 16 ? `${value}:00Z` : `${value}Z`;
}

/**
 * The reverse, for the form: an instant as a `datetime-local` value in UTC, seconds and milliseconds
 * only when they are not zero. `null` for a string that is not an instant.
 */
export function isoToUtcInput(iso: string): string | null {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return null;
  const full = at.toISOString(); // 2026-12-05T10:30:00.000Z
  if (at.getUTCMilliseconds() !== 0) return full.slice(0, 23);
  if (at.getUTCSeconds() !== 0) return full.slice(0, 19);
  return full.slice(0, 16);
}

/**
 * The `step` of a `datetime-local` input holding `value`: the browser refuses to submit a value finer
 * than its step (60 s by default), so a value with seconds or milliseconds needs a finer one.
 */
export function datetimeInputStep(value: string): number | undefined {
  if (value.length > 19) return 0.001;
  return value.length > 16 ? 1 : undefined;
}
