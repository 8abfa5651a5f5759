// CPU and memory of processes (and whole process trees) from /proc, Linux only. CPU is the delta of
// utime+stime (plus cutime+cstime: children that exited and were reaped in between) between two
// snapshots, in cores (1.0 = one core busy for the whole interval).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout.trim());
  return out.status === 0 && n > 0 ? n : 100;
})();

interface ProcStat {
  readonly ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: parse after its last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
    const f = (n: number) => Number(fields[n - 3]);
    return { ppid: f(4), ticks: f(14) + f(15) + f(16) + f(17) };
  } catch {
    return undefined;
  }
}

/** Every live process's stat. */
function allStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat !== undefined) out.set(pid, stat);
  }
  return out;
}

function treeOf(root: number, stats: ReadonlyMap<number, ProcStat>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) {
    const list = children.get(stat.ppid) ?? [];
    list.push(pid);
    children.set(stat.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    if (!stats.has(pid)) continue;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The pid and all its live descendants. */
export function processTree(root: number): number[] {
  return treeOf(root, allStats());
}

/** Resident memory in bytes: RSS of one process, or the PSS sum of a tree (shared pages counted once). */
function memoryOf(pids: readonly number[], tree: boolean): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/${tree ? 'smaps_rollup' : 'status'}`, 'utf8');
      const m = (tree ? /^Pss:\s+(\d+) kB/m : /^VmRSS:\s+(\d+) kB/m).exec(text);
      if (m?.[1] !== undefined) sum += Number(m[1]) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

export interface Watched {
  readonly name: string;
  readonly pid: number;
  /** Sum over the process and its descendants (e.g. the postmaster and its backends). */
  readonly tree?: boolean;
}

export interface CpuSnapshot {
  readonly at: number;
  readonly ticks: ReadonlyMap<string, number>;
  /** Ticks of every process that is not one of the watched ones (nor their descendants). */
  readonly others: ReadonlyMap<number, number>;
  /** Whole machine: busy and total jiffies from /proc/stat. */
  readonly machineBusy: number;
  readonly machineTotal: number;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export function cpuSnapshot(watched: readonly Watched[]): CpuSnapshot {
  const stats = allStats();
  const ticks = new Map<string, number>();
  const ours = new Set<number>([process.pid]);
  for (const w of watched) {
    const pids = w.tree === true ? treeOf(w.pid, stats) : [w.pid];
    let sum = 0;
    for (const pid of pids) {
      sum += stats.get(pid)?.ticks ?? 0;
      ours.add(pid);
    }
    ticks.set(w.name, sum);
  }
  const others = new Map<number, number>();
  for (const [pid, stat] of stats) if (!ours.has(pid)) others.set(pid, stat.ticks);
  const m = machineTicks();
  return { at: Date.now(), ticks, others, machineBusy: m.busy, machineTotal: m.total };
}

export interface CpuUsage {
  /** Cores used per watched process over the interval. */
  readonly cores: Record<string, number>;
  /** Cores busy on the whole machine, and how many it has. */
  readonly machineCores: number;
  readonly machineCapacity: number;
  /** The busiest processes that are not ours (≥ 0.05 cores), with their command lines. */
  readonly others: { readonly command: string; readonly cores: number }[];
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 80);
  } catch {
    return `pid ${pid}`;
  }
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot, cpuCount: number): CpuUsage {
  const seconds = (b.at - a.at) / 1000;
  const cores: Record<string, number> = {};
  for (const [name, end] of b.ticks) {
    const start = a.ticks.get(name) ?? end;
    cores[name] = round2(Math.max(0, end - start) / CLK_TCK / seconds);
  }
  const others = [...b.others]
    .map(([pid, end]) => ({ pid, cores: (end - (a.others.get(pid) ?? end)) / CLK_TCK / seconds }))
    .filter((o) => o.cores >= 0.05)
    .sort((x, y) => y.cores - x.cores)
    .slice(0, 3)
    .map((o) => ({ command: commandOf(o.pid), cores: round2(o.cores) }));
  const totalDelta = b.machineTotal - a.machineTotal;
  const busyShare = totalDelta > 0 ? (b.machineBusy - a.machineBusy) / totalDelta : 0;
  return { cores, machineCores: round2(busyShare * cpuCount), machineCapacity: cpuCount, others };
}

/** Memory per watched process in MB (RSS, or PSS summed over a tree). */
export function memorySnapshot(watched: readonly Watched[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of watched) {
    const tree = w.tree === true;
    out[w.name] = Math.round(memoryOf(tree ? processTree(w.pid) : [w.pid], tree) / 1048576);
  }
  return out;
}

export const round2 = (n: number): number => Math.round(n * 100) / 100;
