// Summarises a V8 .cpuprofile (`node --cpu-prof`): self time per function and per origin (a package in
// node_modules, Node internals, the processor's own code, GC), as shares of the non-idle samples.
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface HotSpot {
  readonly name: string;
  readonly self_ms: number;
  /** Share of the profile's non-idle time. */
  readonly self_pct: number;
}

export interface ProfileSummary {
  readonly profiled_s: number;
  /** Share of the wall time the main thread was busy (not idle). */
  readonly busy_pct: number;
  readonly top_functions: HotSpot[];
  readonly by_origin: HotSpot[];
}

/** Where a function comes from: a package, Node itself, the processor's code, or a V8 pseudo-frame. */
export function originOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '');
    // Workspace packages are symlinked into node_modules; name them by their folder instead.
    return name.startsWith('@dedup/') ? `${name} (workspace)` : name;
  }
  const m = /\/(apps\/[^/]+|libs\/[^/]+)\//.exec(url);
  return m?.[1] ?? url;
}

function shortLocation(url: string, line: number): string {
  if (url === '') return '';
  const nm = url.lastIndexOf('/node_modules/');
  const tail = nm >= 0 ? url.slice(nm + '/node_modules/'.length) : url.replace(/^.*\/(apps|libs)\//, '$1/');
  return ` ${tail.replace(/^file:\/\//, '')}:${line + 1}`;
}

/**
 * `window` (seconds since the profile started) keeps only the samples taken inside it, e.g. a
 * benchmark step's measurement window without the process's start-up.
 */
export async function summariseProfile(
  file: string,
  window?: { fromS: number; toS: number },
  top = 15,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfUs = new Map<number, number>();
  const fromUs = (window?.fromS ?? 0) * 1e6;
  const toUs = (window?.toS ?? Infinity) * 1e6;
  let at = 0;
  let wallUs = 0;
  // timeDeltas[i] is the time between sample i-1 and sample i: charge it to sample i-1's node.
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    const id = samples[i];
    const dt = Math.max(0, deltas[i + 1] ?? 0);
    if (id === undefined || at < fromUs || at > toUs) continue;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    wallUs += dt;
  }
  const fn = new Map<string, number>();
  const origin = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += us;
    const name = `${functionName === '' ? '(anonymous)' : functionName}${shortLocation(url, lineNumber)}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const o = originOf(url, functionName);
    origin.set(o, (origin.get(o) ?? 0) + us);
  }
  const rank = (m: Map<string, number>, n: number): HotSpot[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({
        name,
        self_ms: Math.round(us / 1000),
        self_pct: busy > 0 ? Math.round((1000 * us) / busy) / 10 : 0,
      }));
  return {
    profiled_s: Math.round(wallUs / 1e5) / 10,
    busy_pct: wallUs > 0 ? Math.round((1000 * busy) / wallUs) / 10 : 0,
    top_functions: rank(fn, top),
    by_origin: rank(origin, top),
  };
}
