import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Applies the real migrations (the processor's own CLI) to the test database once per run. */
export default function globalSetup(): void {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'apps/processor/dist/cli/migrate.js')], {
    env: process.env,
    encoding: 'utf8',
  });
  process.stdout.write(`\n${out}`);
}
