// A small block-style YAML writer for the plain data the generator emits (mappings, sequences,
// strings, numbers, booleans). Prettier formats its output afterwards (generate.ts), so this only has
// to be correct, not pretty: any string that is not obviously safe as a plain scalar is written as a
// JSON string, which is a valid YAML double-quoted scalar.

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_ ./-]*$/;
/** Plain scalars that a YAML parser would read as something other than a string. */
const NOT_A_STRING = [
  /^(true|false|yes|no|on|off|y|n|null|~)$/i,
  /^[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?$/, // numbers, 1_000
  /^0[xXoObB]/, // hex, octal, binary
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}/, // timestamps
];

function scalar(value: YamlScalar): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to YAML`);
    return String(value);
  }
  const plain = PLAIN.test(value) && !value.endsWith(' ') && !NOT_A_STRING.some((re) => re.test(value));
  return plain ? value : JSON.stringify(value);
}

function isScalar(value: YamlValue): value is YamlScalar {
  return value === null || typeof value !== 'object';
}

/** A string written as a `|` block: several lines, none starting with a space (no indent indicator). */
function isBlockString(value: YamlValue): value is string {
  return typeof value === 'string' && value.includes('\n') && !/^ /m.test(value) && !/\n\n$/.test(value);
}

function block(value: string, indent: string): string {
  const chomp = value.endsWith('\n') ? '|' : '|-';
  const body = value.replace(/\n$/, '').split('\n');
  return `${chomp}\n${body.map((line) => (line === '' ? '' : `${indent}${line}`)).join('\n')}`;
}

function entries(value: { readonly [key: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.entries(value).filter((e): e is [string, YamlValue] => e[1] !== undefined);
}

/** Lines for `value` as the value of a mapping key or sequence item, at indentation `indent`. */
function nested(value: YamlValue, indent: string): string {
  if (isBlockString(value)) return ` ${block(value, indent)}`;
  if (isScalar(value)) return ` ${scalar(value)}`;
  if (Array.isArray(value)) {
    return value.length === 0 ? ' []' : `\n${sequence(value as readonly YamlValue[], indent)}`;
  }
  const fields = entries(value as { readonly [key: string]: YamlValue | undefined });
  return fields.length === 0 ? ' {}' : `\n${mapping(fields, indent)}`;
}

function mapping(fields: [string, YamlValue][], indent: string): string {
  return fields.map(([key, value]) => `${indent}${scalar(key)}:${nested(value, `${indent}  `)}`).join('\n');
}

function sequence(items: readonly YamlValue[], indent: string): string {
  return items
    .map((item) => {
      if (!isScalar(item) && !Array.isArray(item)) {
        const fields = entries(item as { readonly [key: string]: YamlValue | undefined });
        if (fields.length > 0) {
          // The first key shares the line with the dash; the others align under it.
          return `${indent}- ${mapping(fields, `${indent}  `).slice(indent.length + 2)}`;
        }
      }
      return `${indent}-${nested(item, `${indent}  `)}`;
    })
    .join('\n');
}

/** YAML for a document whose root is a mapping, with a leading comment block. */
export function toYaml(root: { readonly [key: string]: YamlValue | undefined }, comment: string): string {
  const header = comment
    .split('\n')
    .map((line) => (line === '' ? '#' : `# ${line}`))
    .join('\n');
  return `${header}\n${mapping(entries(root), '')}\n`;
}

/**
 * Plain data from a builder's output: drops functions (the SDK's variant markers) and undefined, the
 * way JSON.stringify does, and rejects anything YAML cannot hold.
 */
export function plainData(value: unknown): YamlValue {
  const json: unknown = JSON.parse(JSON.stringify(value));
  const check = (v: unknown, at: string): YamlValue => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map((item, i) => check(item, `${at}[${i}]`));
    if (typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, check(item, `${at}.${k}`)]));
    }
    throw new Error(`${at}: not plain data`);
  };
  return check(json, '$');
}
