import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { freePort } from './processor-process';
import { eventually, realStack } from './real-stack';

const repoRoot = path.resolve(__dirname, '..', '..');

/** The console's production build (`next build apps/console` must have run), in its own process group. */
export class ConsoleServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  static async start(processorUrl: string, name: string): Promise<ConsoleServer> {
    const port = await freePort();
    const log = createWriteStream(path.join(realStack().runDir, `${name}-console.log`));
    const child = spawn(
      path.join(repoRoot, 'node_modules/.bin/next'),
      ['start', 'apps/console', '-p', String(port), '-H', '127.0.0.1'],
      {
        cwd: repoRoot,
        env: { ...process.env, PROCESSOR_URL: processorUrl, NEXT_TELEMETRY_DISABLED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const server = new ConsoleServer(child, `http://127.0.0.1:${port}`);
    await eventually(
      'console up',
      async () => {
        if (child.exitCode !== null) throw new Error(`console exited with ${child.exitCode}`);
        return (await fetch(server.baseUrl)).ok ? true : undefined;
      },
      60_000,
    );
    return server;
  }

  stop(): void {
    if (this.child.pid !== undefined && this.child.exitCode === null)
      process.kill(-this.child.pid, 'SIGTERM');
  }
}
