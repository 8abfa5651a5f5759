import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './processor-process';
import { eventually, realStack } from './real-stack';

// The dashboards' and alerts' own definitions, for the observability tests: the expressions they run
// against Prometheus are the ones grafana/ is generated from, not copies. grafana/ is not an Nx
// project (its generator runs on plain Node: node grafana/src/generate.ts), so the module-boundary
// rule sees it as an outside path; this is the one place the tests reach into it.
// eslint-disable-next-line @nx/enforce-module-boundaries
export { ALERTS, alertExpr, type AlertDefinition } from '../../grafana/src/alerts.ts';
// eslint-disable-next-line @nx/enforce-module-boundaries
export { SCRAPE_JOB } from '../../grafana/src/catalogue.ts';
// eslint-disable-next-line @nx/enforce-module-boundaries
export { RATE_INTERVAL, buildOverviewDashboard, panelQueries } from '../../grafana/src/dashboard.ts';

/** Debian's Prometheus tools (package `prometheus`); npm test installs it as root when missing. */
function debianBinary(name: 'prometheus' | 'promtool', envVar: string): string {
  const binary = process.env[envVar] ?? `/usr/bin/${name}`;
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: install Debian's prometheus package (apt-get install prometheus)`);
  }
  return binary;
}

export const promtoolPath = (): string => debianBinary('promtool', 'PROMTOOL_PATH');

export interface CommandResult {
  readonly code: number | null;
  /** stdout and stderr together, for assertion messages. */
  readonly output: string;
}

/** Runs a command to completion; never throws on a non-zero exit (the caller asserts on it). */
export function runCommand(cmd: string, args: readonly string[], cwd: string): CommandResult {
  const result = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** One element of an instant vector (a scalar result becomes one sample without labels). */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

type QueryData =
  | { resultType: 'vector'; result: { metric: Record<string, string>; value: [number, string] }[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'matrix' | 'string'; result: unknown };

export interface PromRule {
  readonly name: string;
  readonly type: 'alerting' | 'recording';
  readonly health: string;
  readonly lastError?: string;
  readonly lastEvaluation: string;
}

export interface PrometheusOptions {
  /** Scrape job name. */
  readonly job: string;
  /** host:port targets scraped at /metrics every second. */
  readonly targets: readonly string[];
  /** Absolute paths of rule files to load (evaluated every second). */
  readonly ruleFiles?: readonly string[];
}

/**
 * A real Prometheus server of our own: temporary config and TSDB, a free loopback port, 1 s scrape
 * and evaluation intervals. Debian's package may also install a system service; it is not used.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly baseUrl: string,
    readonly logFile: string,
    private readonly exited: Promise<number | null>,
  ) {}

  static async start(options: PrometheusOptions, name: string): Promise<PrometheusServer> {
    const binary = debianBinary('prometheus', 'PROMETHEUS_PATH');
    const dir = await mkdtemp(path.join(tmpdir(), 'dedup-prometheus-'));
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: [
        {
          job_name: options.job,
          metrics_path: '/metrics',
          static_configs: [{ targets: options.targets }],
        },
      ],
    };
    // JSON is YAML: no YAML library needed for the config.
    const configFile = path.join(dir, 'prometheus.yml');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const port = await freePort();
    const logFile = path.join(realStack().runDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const server = new PrometheusServer(child, dir, `http://127.0.0.1:${port}`, logFile, exited);
    try {
      await eventually(
        `prometheus ready (log ${logFile})`,
        async () => {
          if (child.exitCode !== null)
            throw new Error(`prometheus exited with ${child.exitCode}; see ${logFile}`);
          const res = await fetch(`${server.baseUrl}/-/ready`);
          return res.ok ? true : undefined;
        },
        30_000,
      );
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  private async api<T>(pathname: string): Promise<T> {
    const res = await fetch(`${this.baseUrl}${pathname}`);
    const body = (await res.json()) as ApiResponse<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`${pathname}: ${body.errorType ?? res.status} ${body.error ?? ''}`);
    }
    return body.data;
  }

  /** An instant query; throws on a PromQL error. */
  async query(expr: string): Promise<PromSample[]> {
    const data = await this.api<QueryData>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    switch (data.resultType) {
      case 'vector':
        return data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
      case 'scalar':
        return [{ metric: {}, value: Number(data.result[1]) }];
      case 'matrix':
      case 'string':
        throw new Error(`${expr}: a ${data.resultType} result, not an instant vector`);
    }
  }

  /** The loaded rules with their health after the last evaluation. */
  async rules(): Promise<PromRule[]> {
    const data = await this.api<{ groups: { rules: PromRule[] }[] }>('/api/v1/rules');
    return data.groups.flatMap((g) => g.rules);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
    await rm(this.dir, { recursive: true, force: true });
  }
}
