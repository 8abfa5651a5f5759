import { createHash } from 'node:crypto';
import type { InputEvent, KeyStrategy } from '@dedup/contracts';

/**
 * Canonical JSON: one text per JSON value, whatever key order, number spelling or Unicode
 * normalisation the producer used, so that keys built from it are equal exactly when the values are.
 *
 * - object members are sorted by key, comparing UTF-16 code units (the `<` of JS strings, not
 *   `localeCompare`, which depends on the ICU version and locale);
 * - members whose value is `undefined` are dropped (that is how "absent" is spelled in JS);
 * - arrays keep their order (order is data); an `undefined` element becomes `null`, as in `JSON.stringify`;
 * - numbers use the shortest round-trip form of ECMAScript (`1`, not `1.0`; `1e+21`), and `-0` is `0`;
 * - strings and object keys are NFC-normalised, then escaped as `JSON.stringify` does
 *   (so `"é"` precomposed and `"e\u0301"` are one value);
 * - no whitespace.
 *
 * If two keys of one object become equal after NFC (only possible when the producer sent both forms),
 * both members are kept, ordered by their canonical value, so the text still does not depend on the
 * input order. Values without a JSON form (non-finite numbers, bigint, functions, symbols, a top-level
 * `undefined`) throw a `TypeError`: parsed JSON cannot contain them, so meeting one is a bug.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.normalize('NFC'));
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      // JSON.stringify(-0) is "0"; every other finite number gets its shortest round-trip spelling.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((element: unknown) => (element === undefined ? 'null' : canonicalJson(element))).join(',')}]`;
      }
      return canonicalObject(value as Record<string, unknown>);
    case 'undefined':
    case 'bigint':
    case 'symbol':
    case 'function':
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

function canonicalObject(object: Record<string, unknown>): string {
  const members: [key: string, value: string][] = [];
  for (const key of Object.keys(object)) {
    const member = object[key];
    if (member === undefined) continue;
    members.push([key.normalize('NFC'), canonicalJson(member)]);
  }
  members.sort(([ka, va], [kb, vb]) => compareCodeUnits(ka, kb) || compareCodeUnits(va, vb));
  return `{${members.map(([key, member]) => `${JSON.stringify(key)}:${member}`).join(',')}}`;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const MISSING: unique symbol = Symbol('missing');

/**
 * The value at a dot path (`payload.order_id`, `payload.items.0.sku`), or `MISSING`. Only own
 * members are followed (never the prototype: `constructor` is not a field of an event); a segment
 * indexes an array only when it is a canonical decimal index.
 */
function readPath(event: InputEvent, path: string): unknown {
  let current: unknown = event;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return MISSING;
      const index = Number(segment);
      if (index >= current.length) return MISSING;
      current = current[index] as unknown;
    } else if (typeof current === 'object' && current !== null && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return MISSING;
    }
  }
  return current === undefined ? MISSING : current;
}

/** A dedup key of an event under one strategy: `<strategy name>:<key>`. */
export interface StrategyKey {
  readonly strategy: string;
  readonly key: string;
}

/** Why an event has no key under a strategy: the field path(s) that were absent (or null). */
export interface MissingKeyField {
  readonly missing: string;
  readonly strategy: string;
}

/**
 * Composite keys longer than this are replaced by their SHA-256: keys are primary-key values in
 * Postgres, whose B-tree entries are limited to about 2.7 kB, and one over-long key would fail the
 * whole batch on every retry. 256 UTF-16 units are at most 1 kB of UTF-8.
 */
export const MAX_COMPOSITE_KEY_LENGTH = 256;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The keys of an event under each strategy, in strategy (config) order. Every key starts with its
 * strategy's name, so keys of different strategies can never be equal (names are unique).
 *
 * - `event_id`: `<name>:<event_id>`, the id exactly as sent (ids are opaque: no normalisation).
 * - `fields`: `<name>:` + the canonical JSON of the array of the fields' values in the configured
 *   order, e.g. `order:["o-1",2]`; when that is longer than `MAX_COMPOSITE_KEY_LENGTH`,
 *   `<name>:sha256:<hex of it>` instead (a canonical array starts with `[`, so the two forms cannot
 *   meet). A field that is absent OR null makes the event keyless under this strategy (`missing`):
 *   keying on null would make every event without that field a duplicate of the first one.
 * - `content_hash`: `<name>:` + hex SHA-256 of the canonical JSON of `{ "<path>": value, ... }`.
 *   Absent fields are left out of the object (so "absent" and `null` hash differently) and the list
 *   order does not matter. When every field is absent the event is keyless (`missing`): the hash of
 *   `{}` would make all such events duplicates of one another.
 *
 * Event fields are read after validation, so `event_time` is epoch ms whichever form was sent.
 */
export function extractKeys(
  event: InputEvent,
  strategies: readonly KeyStrategy[],
): StrategyKey[] | MissingKeyField {
  const keys: StrategyKey[] = [];
  for (const strategy of strategies) {
    switch (strategy.kind) {
      case 'event_id':
        keys.push({ strategy: strategy.name, key: `${strategy.name}:${event.event_id}` });
        break;
      case 'fields': {
        const values: unknown[] = [];
        for (const path of strategy.fields) {
          const value = readPath(event, path);
          if (value === MISSING || value === null) return { missing: path, strategy: strategy.name };
          values.push(value);
        }
        const text = canonicalJson(values);
        const key = text.length > MAX_COMPOSITE_KEY_LENGTH ? `sha256:${sha256Hex(text)}` : text;
        keys.push({ strategy: strategy.name, key: `${strategy.name}:${key}` });
        break;
      }
      case 'content_hash': {
        // No prototype: a configured path `__proto__` must become a member, not a prototype.
        const chosen = Object.create(null) as Record<string, unknown>;
        let present = 0;
        for (const path of strategy.fields) {
          const value = readPath(event, path);
          if (value === MISSING) continue;
          chosen[path] = value;
          present += 1;
        }
        if (present === 0) return { missing: strategy.fields.join(', '), strategy: strategy.name };
        keys.push({ strategy: strategy.name, key: `${strategy.name}:${sha256Hex(canonicalJson(chosen))}` });
        break;
      }
    }
  }
  return keys;
}
