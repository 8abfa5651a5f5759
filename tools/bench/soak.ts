// Soak: the real stack at a constant event rate for N minutes; samples dedup state rows and the
// processor's RSS over time, to show both stay flat (bounded state, no leak).
//   node tools/bench/soak.ts [--minutes 10] [--rate 500] [--window-ms 60000] [--out docs/benchmarks/soak.json]
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from '../stack/local-stack.ts';
import { startProcess } from '../stack/managed-process.ts';
import { DEFAULT_PORTS } from '../stack/ports.ts';
import { metric } from './common.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '500' },
    'window-ms': { type: 'string', default: '60000' },
    'sample-s': { type: 'string', default: '30' },
    out: { type: 'string', default: 'docs/benchmarks/soak.json' },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const windowMs = Number(values['window-ms']);
const sampleMs = Number(values['sample-s']) * 1000;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const runDir = path.join(repoRoot, '.run', `${new Date().toISOString().replace(/[:.]/g, '-')}-soak`);
const log = (msg: string) => process.stdout.write(`[soak] ${msg}\n`);

const stack = await startLocalStack({
  repoRoot,
  runDir,
  ports: DEFAULT_PORTS.soak,
  database: 'dedup_soak',
  log,
});
const semantics = {
  window: { kind: 'sliding', sizeMs: windowMs },
  maxOutOfOrdernessMs: 2_000,
  allowedLatenessMs: 10_000,
  idleTimeoutMs: 30_000,
};
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_BROKERS: stack.kafkaBrokers,
  DATABASE_URL: stack.databaseUrl,
  HTTP_PORT: '3091',
  PIPELINE_NAME: 'soak',
  PIPELINE_SEMANTICS: JSON.stringify(semantics),
  STATE_EXPIRY_INTERVAL_MS: '5000',
};
const migrate = spawnSync(process.execPath, ['apps/processor/dist/cli/migrate.js'], { cwd: repoRoot, env });
if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr.toString()}`);
const processor = startProcess('processor', process.execPath, ['apps/processor/dist/main.js'], {
  cwd: repoRoot,
  env,
  logFile: path.join(runDir, 'processor.log'),
});
const generator = startProcess('generator', process.execPath, ['tools/demo/generator.ts'], {
  cwd: repoRoot,
  env: {
    ...env,
    DEMO_RATE: String(rate),
    DEMO_LATE_RATIO: '0',
    DEMO_INVALID_RATIO: '0',
    DEMO_DUPLICATE_RATIO: '0.1',
  },
  logFile: path.join(runDir, 'generator.log'),
});

interface Sample {
  t_s: number;
  state_keys: number;
  rss_mb: number;
  heap_used_mb: number;
  events: number;
  events_per_s: number;
}
const samples: Sample[] = [];
const started = Date.now();
const state = { stopping: false };
const isStopping = () => state.stopping;
const stopAll = async () => {
  state.stopping = true;
  await generator.stop();
  await processor.stop();
  await stack.stop();
};
process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
try {
  let lastEvents = 0;
  while (!isStopping() && Date.now() - started < minutes * 60_000) {
    await new Promise((r) => setTimeout(r, sampleMs));
    try {
      const text = await (await fetch('http://127.0.0.1:3091/metrics')).text();
      const events = metric(text, 'dedup_events_total');
      const sample: Sample = {
        t_s: Math.round((Date.now() - started) / 1000),
        state_keys: metric(text, 'dedup_state_keys'),
        rss_mb: Math.round(metric(text, 'process_resident_memory_bytes') / 1048576),
        heap_used_mb: Math.round(metric(text, 'nodejs_heap_size_used_bytes') / 1048576),
        events,
        events_per_s: Math.round((events - lastEvents) / (sampleMs / 1000)),
      };
      lastEvents = events;
      samples.push(sample);
      log(JSON.stringify(sample));
    } catch (error) {
      log(`sample failed: ${String(error)}`);
    }
  }
} finally {
  await stopAll();
}
const out = path.resolve(repoRoot, values.out);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), minutes, rate, semantics, samples }, null, 2)}\n`,
);
log(`wrote ${out}`);
process.stdout.write(
  '\n| t (s) | state keys | RSS (MB) | heap used (MB) | events total | events/s |\n|---|---|---|---|---|---|\n',
);
for (const s of samples) {
  process.stdout.write(
    `| ${s.t_s} | ${s.state_keys} | ${s.rss_mb} | ${s.heap_used_mb} | ${s.events} | ${s.events_per_s} |\n`,
  );
}
process.exit(0);
