import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Role } from '@dedup/contracts';
import { asRole, TEST_CONSOLE_TOKEN_SECRET } from './auth';
import { eventually, realStack } from './real-stack';

const repoRoot = path.resolve(__dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** The built processor (apps/processor/dist) as a black box: its own process, real env, real ports. */
export class ProcessorProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly logFile: string,
    private readonly exited: Promise<number | null>,
  ) {}

  static async start(env: Record<string, string>, name: string): Promise<ProcessorProcess> {
    const stack = realStack();
    const port = await freePort();
    const logFile = path.join(stack.runDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [path.join(repoRoot, 'apps/processor/dist/main.js')], {
      cwd: repoRoot,
      env: {
        PATH: process.env['PATH'],
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        DATABASE_URL: stack.databaseUrl,
        HTTP_PORT: String(port),
        CONSOLE_TOKEN_SECRET: TEST_CONSOLE_TOKEN_SECRET,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const processor = new ProcessorProcess(child, `http://127.0.0.1:${port}`, logFile, exited);
    await eventually(
      `processor ${name} ready (log ${logFile})`,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`processor exited with ${child.exitCode}; see ${logFile}`);
        const res = await fetch(`${processor.baseUrl}/health/ready`);
        return res.ok ? true : undefined;
      },
      90_000,
    );
    return processor;
  }

  /** A GET as a signed-in viewer (public routes ignore the credential). */
  async get(pathname: string): Promise<Response> {
    return fetch(`${this.baseUrl}${pathname}`, { headers: await asRole('viewer') });
  }

  /** A call as a signed-in person with `role` (default operator), a JSON body when given. */
  async call(
    method: 'GET' | 'POST',
    pathname: string,
    body?: unknown,
    role: Role = 'operator',
  ): Promise<Response> {
    return fetch(`${this.baseUrl}${pathname}`, {
      method,
      headers: {
        ...(await asRole(role)),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** SIGKILL: no shutdown at all, as a crash or an OOM kill. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, as an orchestrator would; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
