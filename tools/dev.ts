// The project's one way of running and testing: `npm start`, `npm test`, `npm run stack`.
// Runs on Node 24 (scripts/with-node24.sh) with type stripping; statically imports only node:
// builtins and local files that do the same, because it runs before `npm install` has installed anything.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type ManagedProcess } from './stack/managed-process.ts';
import type { LocalStack } from './stack/local-stack.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(repoRoot, 'node_modules', '.bin', name);
const runId = new Date().toISOString().replace(/[:.]/g, '-');

function log(msg: string): void {
  process.stdout.write(`[dev] ${msg}\n`);
}

/** Runs a command in the foreground, inheriting stdio; resolves with its exit code. */
function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', (error) => {
      log(`${cmd}: ${error.message}`);
      resolve(127);
    });
  });
}

/**
 * Installs the locked dependencies when node_modules is missing or older than the lockfile.
 * `npm install`, not `npm ci`: the registries our machines reach do not serve the other platforms'
 * optional binaries (@swc/core-darwin-*, @next/swc-win32-*, ...), so the lockfile cannot list them
 * and `npm ci` rejects it as out of sync. With a lockfile present, `npm install` installs exactly the
 * locked versions and leaves the lockfile unchanged (checked in a fresh clone).
 */
async function ensureInstalled(): Promise<void> {
  const marker = path.join(repoRoot, 'node_modules', '.package-lock.json');
  const lock = path.join(repoRoot, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing dependencies (npm install from the lockfile) ...');
  const started = Date.now();
  const code = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  if (code !== 0) throw new Error(`npm install failed with exit code ${code}`);
  log(`dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * Debian packages the tests drive: kcat (an independent Kafka client) and chromium (browser tests).
 * As root they are installed when missing, so a fresh machine and CI behave the same.
 */
async function ensureSystemPackages(packages: Record<string, string>): Promise<void> {
  const missing = Object.entries(packages).filter(
    ([binary]) => spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0,
  );
  if (missing.length === 0) return;
  const names = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${names.join(', ')}: install them (Debian: apt-get install ${names.join(' ')})`);
  }
  log(`installing Debian packages: ${names.join(', ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if ((await run('apt-get', ['update', '-qq'], env)) !== 0) throw new Error('apt-get update failed');
  const code = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...names], env);
  if (code !== 0) throw new Error(`apt-get install ${names.join(' ')} failed (exit ${code})`);
}

interface Step {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

async function runSteps(steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    const started = Date.now();
    log(`▶ ${step.name}`);
    const code = await run(step.cmd, step.args, step.env ?? process.env);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (code !== 0) throw new StepFailed(`${step.name} failed (exit ${code}) after ${secs} s`);
    log(`✔ ${step.name} (${secs} s)`);
  }
}

class StepFailed extends Error {}

const jestEnv = { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings' };

const compileStep: Step = { name: 'typecheck + build (tsc -b)', cmd: bin('tsc'), args: ['-b'] };
const buildSteps: Step[] = [
  compileStep,
  { name: 'typecheck tools', cmd: bin('tsc'), args: ['-p', 'tools', '--noEmit'] },
  { name: 'typecheck tests', cmd: bin('tsc'), args: ['-p', 'test', '--noEmit'] },
  { name: 'typecheck console', cmd: bin('tsc'), args: ['-p', 'apps/console', '--noEmit'] },
  { name: 'typecheck grafana', cmd: bin('tsc'), args: ['-p', 'grafana', '--noEmit'] },
];

const consoleBuild: Step = {
  name: 'build console (next build)',
  cmd: bin('next'),
  args: ['build', 'apps/console'],
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
};

async function bringUpStack(kind: 'start' | 'test'): Promise<{ stack: LocalStack; runDir: string }> {
  const runDir = path.join(repoRoot, '.run', `${runId}-${kind}`);
  await mkdir(runDir, { recursive: true });
  const { startLocalStack } = await import('./stack/local-stack.ts');
  const { DEFAULT_PORTS } = await import('./stack/ports.ts');
  const ports = DEFAULT_PORTS[kind];
  const started = Date.now();
  const stack = await startLocalStack({
    repoRoot,
    runDir,
    ports,
    database: kind === 'start' ? 'dedup' : 'dedup_test',
    log,
  });
  log(
    `stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: kafka ${stack.kafkaBrokers}, logs in ${runDir}`,
  );
  return { stack, runDir };
}

/**
 * Every signal, not only the first, goes to the handler: a terminal's Ctrl-C reaches the whole
 * process group and npm forwards it too, so this process gets SIGINT twice. With a one-shot listener
 * the second one met Node's default action and killed it mid-shutdown, leaving the broker, Postgres,
 * the processor, the console and Prometheus running. The handlers ignore repeats while stopping.
 */
function onSignals(handler: (signal: NodeJS.Signals) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => handler(signal));
}

async function test(): Promise<number> {
  const started = Date.now();
  await ensureInstalled();
  await ensureSystemPackages({ kcat: 'kcat', chromium: 'chromium', prometheus: 'prometheus' });
  await runSteps([
    ...buildSteps,
    // The module-boundary rule reads Nx's project graph; without one it is skipped silently.
    { name: 'nx project graph', cmd: bin('nx'), args: ['show', 'projects'] },
    { name: 'lint (eslint, zero warnings)', cmd: bin('eslint'), args: ['--max-warnings', '0', '.'] },
    {
      name: 'format (prettier --check)',
      cmd: bin('prettier'),
      args: ['--check', '.', '--log-level', 'warn'],
    },
    {
      name: 'generated Grafana/Prometheus files match grafana/src',
      cmd: process.execPath,
      args: ['grafana/src/generate.ts', '--check'],
    },
    {
      name: 'docs/openapi.json matches the route table',
      cmd: process.execPath,
      args: ['tools/openapi/openapi.ts', '--check'],
    },
    { name: 'unit tests', cmd: bin('jest'), args: ['-c', 'jest.unit.config.cjs'], env: jestEnv },
    consoleBuild,
  ]);
  const { stack, runDir } = await bringUpStack('test');
  let stopping = false;
  onSignals(() => {
    if (stopping) return;
    stopping = true;
    void stack.stop().then(() => process.exit(130));
  });
  try {
    await runSteps([
      {
        name: 'integration + system + browser tests (real Kafka, real Postgres, Chromium)',
        cmd: bin('jest'),
        args: ['-c', 'jest.real.config.cjs', ...process.argv.slice(3)],
        env: {
          ...jestEnv,
          KAFKA_BROKERS: stack.kafkaBrokers,
          DATABASE_URL: stack.databaseUrl,
          DEDUP_RUN_DIR: runDir,
        },
      },
    ]);
  } finally {
    await stack.stop();
  }
  log(`all checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

async function start(withApps: boolean): Promise<number> {
  await ensureInstalled();
  // The stack alone still runs the processor's migrations (apps/processor/dist), so it compiles too.
  await runSteps(withApps ? [compileStep, consoleBuild] : [compileStep]);
  const { stack, runDir } = await bringUpStack('start');
  const children: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string) => {
    stopping ??= (async () => {
      log(`stopping (${why}) ...`);
      // Reverse order: traffic first, then the apps, then the infrastructure.
      for (const child of [...children].reverse()) await child.stop();
      await stack.stop();
      log('stopped; no process of the stack is left');
    })();
    return stopping;
  };
  onSignals((signal) => void shutdown(signal).then(() => process.exit(0)));
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      DATABASE_URL: stack.databaseUrl,
      NEXT_TELEMETRY_DISABLED: '1',
    };
    const migrate = spawnSync(process.execPath, ['apps/processor/dist/cli/migrate.js'], {
      cwd: repoRoot,
      env,
      encoding: 'utf8',
    });
    process.stdout.write(migrate.stdout);
    if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
    if (withApps) {
      const processorPort = env['HTTP_PORT'] ?? '3001';
      const consolePort = env['CONSOLE_PORT'] ?? '3000';
      const signIn = await consoleSignIn();
      children.push(
        startProcess('processor', process.execPath, ['apps/processor/dist/main.js'], {
          cwd: repoRoot,
          env: { ...env, HTTP_PORT: processorPort, CONSOLE_TOKEN_SECRET: signIn.consoleTokenSecret },
          logFile: path.join(runDir, 'processor.log'),
        }),
      );
      children.push(
        startProcess(
          'console',
          bin('next'),
          ['start', 'apps/console', '-p', consolePort, '-H', '127.0.0.1'],
          {
            cwd: repoRoot,
            env: {
              ...env,
              PROCESSOR_URL: `http://127.0.0.1:${processorPort}`,
              CONSOLE_TOKEN_SECRET: signIn.consoleTokenSecret,
              AUTH_SECRET: signIn.authSecret,
              CONSOLE_USERS_FILE: signIn.usersFile,
            },
            logFile: path.join(runDir, 'console.log'),
          },
        ),
      );
      await waitForHttp(`http://127.0.0.1:${processorPort}/health/ready`, 120_000);
      const prometheus = await startPrometheus(runDir, processorPort, consolePort);
      if (prometheus) children.push(prometheus.process);
      children.push(
        startProcess('generator', process.execPath, ['tools/demo/generator.ts'], {
          cwd: repoRoot,
          env,
          logFile: path.join(runDir, 'generator.log'),
        }),
      );
      log('');
      log(`console    http://127.0.0.1:${consolePort}/signin  (${signIn.hint})`);
      log(
        `processor  http://127.0.0.1:${processorPort}  (/api/stats, /api/backfills, /metrics, /health/ready)`,
      );
      // The local cluster's password is the fixed, throwaway one (docs/api.md shows it too); a
      // DATABASE_URL of the caller's own may hold a real one, so it is referred to, not printed.
      const tokensDb = process.env['DATABASE_URL'] === undefined ? `DATABASE_URL=${stack.databaseUrl} ` : '';
      log(
        `API tokens: ${tokensDb}node apps/processor/dist/cli/tokens.js create --name ci --role operator  (docs/api.md)`,
      );
      log(`kafka      ${stack.kafkaBrokers}   (try: kcat -b ${stack.kafkaBrokers} -L)`);
      log(
        prometheus
          ? `prometheus ${prometheus.url}  (alert rules loaded; dashboards: docs/observability.md)`
          : 'prometheus not started (install Debian package `prometheus` to get it with npm start)',
      );
      log(`postgres   ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
      log(`logs       ${runDir}`);
      log('Ctrl-C stops everything.');
      for (const child of children) {
        void child.exited.then((code) => {
          if (!stopping) log(`${child.name} exited with code ${code}; see ${runDir}/${child.name}.log`);
        });
      }
    } else {
      log(`KAFKA_BROKERS=${stack.kafkaBrokers}`);
      log(`DATABASE_URL=${stack.databaseUrl}`);
      log('stack is up; Ctrl-C stops it.');
    }
    await new Promise<never>(() => undefined);
  } catch (error) {
    await shutdown('error');
    throw error;
  }
  return 0;
}

/**
 * What the console needs for sign-in (docs/access-control.md): its session key, the secret it signs
 * the processor's console tokens with (the processor gets the same), and a users file. The secrets
 * are new on every start unless set in the environment, so a restart ends every session; they are
 * never printed. The users file is CONSOLE_USERS_FILE when set, else the demo users' (made once).
 */
async function consoleSignIn(): Promise<{
  authSecret: string;
  consoleTokenSecret: string;
  usersFile: string;
  hint: string;
}> {
  const given = (name: string) => (process.env[name] === '' ? undefined : process.env[name]);
  const secret = (name: string) => given(name) ?? randomBytes(32).toString('base64url');
  const authSecret = secret('AUTH_SECRET');
  const consoleTokenSecret = secret('CONSOLE_TOKEN_SECRET');
  const ownFile = given('CONSOLE_USERS_FILE');
  if (ownFile !== undefined) {
    log(`console users: CONSOLE_USERS_FILE=${ownFile} (no demo users made)`);
    return { authSecret, consoleTokenSecret, usersFile: ownFile, hint: `sign in as a user of ${ownFile}` };
  }
  const { ensureDemoUsers } = await import('./stack/demo-users.ts');
  const demo = await ensureDemoUsers(repoRoot, log);
  return { authSecret, consoleTokenSecret, usersFile: demo.file, hint: 'sign in as one of the demo users' };
}

/**
 * Prometheus scraping the processor and evaluating the alert rule twins, when the `prometheus`
 * binary is installed (Debian package `prometheus`); `npm start` runs without it otherwise.
 */
async function startPrometheus(
  runDir: string,
  processorPort: string,
  consolePort: string,
): Promise<{ process: ManagedProcess; url: string } | undefined> {
  if (spawnSync('sh', ['-c', 'command -v prometheus']).status !== 0) return undefined;
  const { writeFile } = await import('node:fs/promises');
  const port = process.env['PROMETHEUS_PORT'] ?? '9090';
  const dir = path.join(runDir, 'prometheus');
  await mkdir(dir, { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    [
      'global: { scrape_interval: 5s, evaluation_interval: 5s }',
      `rule_files: ['${path.join(repoRoot, 'grafana/prometheus/rules/dedup-alerts.yml')}']`,
      'scrape_configs:',
      '  - job_name: dedup-processor',
      `    static_configs: [{ targets: ['127.0.0.1:${processorPort}'] }]`,
      '  - job_name: dedup-console',
      `    static_configs: [{ targets: ['127.0.0.1:${consolePort}'] }]`,
      '',
    ].join('\n'),
  );
  const child = startProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { cwd: repoRoot, env: process.env, logFile: path.join(runDir, 'prometheus.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, 30_000);
  } catch {
    log(`prometheus did not become ready; see ${runDir}/prometheus.log`);
    await child.stop();
    return undefined;
  }
  return { process: child, url };
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * `npm run bench|soak|chaos`: those scripts import installed packages and run the built processor, so
 * install and build (incremental: fast when nothing changed, and never a stale dist) before them.
 */
async function tool(): Promise<number> {
  const [script, ...args] = process.argv.slice(3);
  if (script === undefined) throw new Error('usage: node tools/dev.ts tool <script.ts> [args...]');
  await ensureInstalled();
  await runSteps([compileStep]);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: 'inherit' });
    // A terminal's Ctrl-C reaches the whole process group; npm's SIGTERM reaches this process only:
    // pass that on, so the tool can stop its stack.
    onSignals((signal) => {
      if (signal !== 'SIGINT') child.kill(signal);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const command = process.argv[2] ?? 'start';
const commands: Record<string, () => Promise<number>> = {
  test,
  start: () => start(true),
  stack: () => start(false),
  tool,
};
const selected = commands[command];
if (!selected) {
  process.stderr.write(`usage: node tools/dev.ts <${Object.keys(commands).join('|')}>\n`);
  process.exit(64);
}
selected().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[dev] ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
