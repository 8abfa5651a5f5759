/**
 * Postgres text and jsonb cannot hold U+0000, and jsonb refuses an unpaired surrogate (`\ud800`),
 * both of which a JavaScript string (from JSON, a query string or a Kafka header) can. Text kept
 * for people to read (an action row's input, an error) is stored with U+FFFD in their place.
 */
export function pgText(value: string): string;
export function pgText(value: string | null): string | null;
export function pgText(value: string | null): string | null {
  return value === null ? null : value.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** `value` with every string in it, object keys included, through `pgText`: storable as jsonb. */
export function pgJson(value: unknown): unknown {
  if (typeof value === 'string') return pgText(value);
  if (Array.isArray(value)) return value.map(pgJson);
  if (typeof value === 'object' && value !== null) {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value; // a Date
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgText(k), pgJson(v)]));
  }
  return value;
}
