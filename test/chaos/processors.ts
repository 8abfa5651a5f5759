import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

async function freePort(): Promise<number> {
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

/**
 * One processor "slot": the built processor (`node apps/processor/dist/main.js`) as a black box, in its
 * own process group, started again after each kill. Every start is an incarnation with its own Kafka
 * client id (`chaos-<slot>-<n>`), so the harness can tell group members apart. All incarnations of a
 * slot log to `<runDir>/processor-<slot>.log`, separated by harness lines.
 */
export class ProcessorSlot {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly log: WriteStream;
  /** Set while the harness itself ends the process (kill -9 or SIGTERM): any other exit is unexpected. */
  private ending = false;
  incarnation = 0;
  startedAt = 0;
  port = 0;
  /** The current incarnation has logged that its pipeline is consuming (its start-up is over). */
  consuming = false;
  private paused = false;

  constructor(
    readonly name: string,
    private readonly opts: {
      readonly repoRoot: string;
      readonly runDir: string;
      readonly env: Readonly<Record<string, string>>;
      readonly onUnexpectedExit: (
        slot: ProcessorSlot,
        code: number | null,
        signal: string | null,
        wasConsuming: boolean,
      ) => void;
    },
  ) {
    this.log = createWriteStream(path.join(opts.runDir, `processor-${name}.log`), { flags: 'a' });
  }

  get clientId(): string {
    return `chaos-${this.name}-${this.incarnation}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logFile(): string {
    return path.join(this.opts.runDir, `processor-${this.name}.log`);
  }

  private mark(what: string): void {
    this.log.write(
      `${JSON.stringify({ harness: what, slot: this.name, incarnation: this.incarnation, at: new Date().toISOString() })}\n`,
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.incarnation++;
    this.port = await freePort();
    this.ending = false;
    this.consuming = false;
    this.paused = false;
    this.mark(`start ${this.clientId} on port ${this.port}`);
    const child = spawn(process.execPath, [path.join(this.opts.repoRoot, 'apps/processor/dist/main.js')], {
      cwd: this.opts.repoRoot,
      env: {
        PATH: process.env['PATH'] ?? '',
        ...this.opts.env,
        HTTP_PORT: String(this.port),
        KAFKA_CLIENT_ID: this.clientId,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(this.log, { end: false });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.consuming && chunk.includes('"msg":"pipeline consuming"')) this.consuming = true;
    });
    child.stderr.pipe(this.log, { end: false });
    this.child = child;
    this.startedAt = Date.now();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.ending) {
          this.mark(`exited by itself: code ${code} signal ${signal}`);
          this.opts.onUnexpectedExit(this, code, signal, this.consuming);
        }
        resolve();
      });
      child.once('error', () => resolve());
    });
  }

  /** kill -9 of the whole process group: no shutdown hook, no LeaveGroup, open transactions left open. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || !this.running) return;
    this.ending = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await this.exited;
    this.mark(`killed -9 ${this.clientId}`);
  }

  /** SIGSTOP to the process group: the process freezes mid-flight (a long GC pause, a frozen VM). */
  pause(): void {
    this.signal('SIGSTOP');
    this.paused = true;
    this.mark(`paused (SIGSTOP) ${this.clientId}`);
  }

  /** SIGCONT: the frozen process carries on where it stopped, unaware of the time that passed. */
  resume(): void {
    if (!this.paused) return;
    this.signal('SIGCONT');
    this.paused = false;
    this.mark(`resumed (SIGCONT) ${this.clientId}`);
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  }

  /** SIGTERM (the processor's graceful shutdown: finish the batch, leave the group), SIGKILL after a grace. */
  async stop(graceMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (child?.pid === undefined || !this.running) return child?.exitCode ?? null;
    this.ending = true;
    child.kill('SIGTERM');
    this.resume(); // a stopped process gets SIGTERM only once it runs again
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
    this.mark(`stopped ${this.clientId} (exit ${child.exitCode ?? child.signalCode})`);
    return child.exitCode;
  }

  /** Ready = /health/ready answers 200 (Kafka and Postgres reachable, pipeline consuming). */
  async ready(): Promise<boolean> {
    if (!this.running) return false;
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/health/ready`, {
        signal: AbortSignal.timeout(3_000),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.ready())) {
      if (!this.running)
        throw new Error(`processor ${this.clientId} exited during start; see ${this.logFile}`);
      if (Date.now() > deadline)
        throw new Error(`processor ${this.clientId} not ready after ${timeoutMs} ms; see ${this.logFile}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
