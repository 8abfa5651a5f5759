// `node tools/openapi/openapi.ts [--check]`: writes docs/openapi.json, the committed copy of the
// processor's OpenAPI document, from the route table (libs/contracts, built by `tsc -b`). With
// --check it writes nothing and fails when the committed copy differs (run by the unit tests too).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument } from '@dedup/contracts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const target = path.join(repoRoot, 'docs', 'openapi.json');
const version = (
  JSON.parse(readFileSync(path.join(repoRoot, 'apps/processor/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const text = `${JSON.stringify(buildOpenApiDocument(version), null, 2)}\n`;

if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    process.stderr.write(
      'docs/openapi.json is not what the route table generates: run node tools/openapi/openapi.ts\n',
    );
    process.exit(1);
  }
  process.stdout.write('docs/openapi.json matches the route table\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${path.relative(repoRoot, target)}\n`);
}
