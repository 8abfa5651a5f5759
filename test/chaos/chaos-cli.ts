// The chaos suite from the command line (`npm run chaos`): runs one experiment and prints its summary.
//
//   node test/chaos/chaos-cli.ts [--profile ci|long] [--seed N] [--records N] [--traffic-s N]
//                                [--override '{"kills":5,"rebalances":1}'] [--run-dir DIR] [--no-build]
//   node test/chaos/chaos-cli.ts --probe offset-visibility   (a broker probe; see docs/exactly-once.md)
//
// Defaults: CHAOS_PROFILE (else ci), CHAOS_SEED (else random). Exit code 0 when every check passed,
// 1 when one failed, 2 on a harness error. It builds first (tsc -b) unless --no-build.
//
// test/ is CommonJS compiled by SWC under Jest. Node runs this one file directly (type stripping, so
// erasable syntax and no `import` statements), then registers a module hook that compiles every other
// .ts file it loads with SWC the way Jest does, and loads the harness (chaos-run.ts) through it.
import type * as ChaosRun from './chaos-run';
import type * as ChaosStack from './chaos-stack';
import type * as Probe from './offset-visibility-probe';

const nodeModule = process.getBuiltinModule('node:module');
const { readFileSync, existsSync } = process.getBuiltinModule('node:fs');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const { parseArgs } = process.getBuiltinModule('node:util');
const { spawnSync } = process.getBuiltinModule('node:child_process');
const path = process.getBuiltinModule('node:path');

const load = nodeModule.createRequire(__filename);
const repoRoot = path.resolve(__dirname, '..', '..');

const { values } = parseArgs({
  options: {
    profile: { type: 'string' },
    seed: { type: 'string' },
    records: { type: 'string' },
    'traffic-s': { type: 'string' },
    override: { type: 'string' },
    'run-dir': { type: 'string' },
    probe: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function registerSwc(): void {
  const swc = load('@swc/core') as typeof import('@swc/core');
  const isOurs = (url: string) =>
    url.startsWith('file:') && url.endsWith('.ts') && !url.includes('/node_modules/');
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      // Extensionless relative imports (as Jest resolves them) of .ts files.
      if (
        specifier.startsWith('.') &&
        context.parentURL?.endsWith('.ts') === true &&
        path.extname(specifier) === ''
      ) {
        const candidate = new URL(`${specifier}.ts`, context.parentURL);
        if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
    load(url, context, nextLoad) {
      if (!isOurs(url)) return nextLoad(url, context);
      const filename = fileURLToPath(url);
      const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
        filename,
        jsc: { target: 'es2024', parser: { syntax: 'typescript' } },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      });
      return { format: 'commonjs', source: code, shortCircuit: true };
    },
  });
}

async function main(): Promise<number> {
  if (values.help) {
    process.stdout.write(
      'usage: node test/chaos/chaos-cli.ts [--profile ci|long] [--seed N] [--records N] [--traffic-s N] ' +
        `[--override '{"kills":5}'] [--run-dir DIR] [--no-build]\n`,
    );
    return 0;
  }
  if (!values['no-build']) {
    const tsc = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'tsc'), ['-b'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
    if (tsc.status !== 0) return 2;
  }
  registerSwc();
  if (values.probe !== undefined) return probe(values.probe);
  const chaos = load('./chaos-run.ts') as typeof ChaosRun;
  const profile = values.profile ?? process.env['CHAOS_PROFILE'] ?? 'ci';
  if (profile !== 'ci' && profile !== 'long') throw new Error(`unknown profile ${profile} (ci or long)`);
  const seedText = values.seed ?? process.env['CHAOS_SEED'];
  const overrides =
    values.override === undefined ? {} : (JSON.parse(values.override) as Record<string, number>);
  if (values.records !== undefined) overrides['records'] = Number(values.records);
  if (values['traffic-s'] !== undefined) overrides['trafficMs'] = Number(values['traffic-s']) * 1000;
  const controller = new AbortController();
  const onSignal = () => {
    process.stdout.write('[chaos] interrupted: stopping everything it started ...\n');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const summary = await chaos.runChaos({
    profile,
    overrides,
    repoRoot,
    signal: controller.signal,
    ...(values['run-dir'] === undefined ? {} : { runDir: path.resolve(values['run-dir']) }),
    ...(seedText === undefined ? {} : { seed: Number(seedText) }),
  });
  return summary.ok ? 0 : 1;
}

async function probe(name: string): Promise<number> {
  if (name !== 'offset-visibility') throw new Error(`unknown probe ${name} (offset-visibility)`);
  const { startProbeBroker } = load('./chaos-stack.ts') as typeof ChaosStack;
  const { probeOffsetVisibility } = load('./offset-visibility-probe.ts') as typeof Probe;
  const { mkdtemp, rm } = process.getBuiltinModule('node:fs/promises');
  const runDir = await mkdtemp(path.join(process.getBuiltinModule('node:os').tmpdir(), 'chaos-probe-'));
  const log = (msg: string) => process.stdout.write(`${msg}\n`);
  const broker = await startProbeBroker({ runDir, log });
  try {
    // Unstable first (kafkajs as shipped): installing the stable OffsetFetch cannot be undone.
    for (const stable of [false, true]) {
      const result = await probeOffsetVisibility(broker.bootstrap, { stable });
      for (const example of result.examples) log(example);
      log(
        `offset-visibility (${stable ? 'OffsetFetch v7, require_stable' : 'kafkajs OffsetFetch v4'}): ` +
          `${result.stale} of ${result.rounds} rounds read a stale committed offset right after the ` +
          `fencing InitProducerId` +
          (stable ? `; ${result.unstableAnswers} UNSTABLE_OFFSET_COMMIT answers waited through` : ''),
      );
    }
    return 0;
  } finally {
    await broker.stop();
    await rm(runDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[chaos] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
