/** `name` as a LIKE pattern that matches only itself (`_` and `%` are wildcards; `\` escapes). */
export function likeLiteral(name: string): string {
  return name.replace(/[\\%_]/g, (c) => `\\${c}`);
}
