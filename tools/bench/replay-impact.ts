// What a DLQ replay at its rate cap costs the live pipeline (issue 14: "replay throughput at the rate
// cap without raising the live pipeline's p99 by more than 20 %"; docs/benchmarks.md). The bench runs
// the same exactly-once step twice on one processor: alone, then while a replay of old DLQ records
// (seeded straight into the schema, valid JSON, so each comes out unique) runs at its cap. The
// replayed records carry no `bench-produced-at` header, so the probe's latencies are the live
// traffic's alone.
import { spawnSync } from 'node:child_process';

export interface ReplayImpactSetup {
  readonly repoRoot: string;
  readonly databaseUrl: string;
  readonly pipeline: string;
  readonly inputTopic: string;
  readonly apiUrl: string;
  /** DLQ records to seed: enough for the replay to outlast the step. */
  readonly records: number;
  readonly maxPerSecond: number;
  readonly query: <R>(sql: string, params?: unknown[]) => Promise<R[]>;
}

/** Seeds the DLQ with `records` open records of one cause and returns an operator API token. */
export async function seedReplay(s: ReplayImpactSetup): Promise<string> {
  await s.query(
    `INSERT INTO dlq_record (pipeline, source_topic, source_partition, source_offset, original_key, original_value,
                             original_headers, error_type, error_message, pipeline_version)
     SELECT $1, $2, g % 4, 1000000000 + g, convert_to('replay-' || g, 'UTF8'),
            convert_to('{"event_id":"replay-' || g || '","event_type":"bench.replay","event_time":' ||
                       ((extract(epoch FROM now()) * 1000)::bigint - 3600000) ||
                       ',"payload":{"n":' || g || '},"schema_version":1}', 'UTF8'),
            '{}'::jsonb, 'processing_failed', 'bench: a failure that has since been fixed', 'bench'
       FROM generate_series(1, $3::int) g`,
    [s.pipeline, s.inputTopic, s.records],
  );
  const cli = spawnSync(
    process.execPath,
    [
      'apps/processor/dist/cli/tokens.js',
      'create',
      '--name',
      `bench-replay-${Date.now()}`,
      '--role',
      'operator',
    ],
    { cwd: s.repoRoot, env: { PATH: process.env['PATH'], DATABASE_URL: s.databaseUrl }, encoding: 'utf8' },
  );
  const token = /dpt_[A-Za-z0-9_-]{43}/.exec(cli.stdout)?.[0];
  if (cli.status !== 0 || token === undefined) throw new Error(`tokens CLI failed: ${cli.stderr}`);
  return token;
}

/** Previews and starts the replay of the seeded cause; returns the run id. */
export async function startReplay(s: ReplayImpactSetup, token: string): Promise<string> {
  const call = async (pathname: string, body: unknown) => {
    const res = await fetch(`${s.apiUrl}${pathname}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${pathname}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const preview = await call('/api/dlq/replays/preview', {
    selection: { filter: { errorType: 'processing_failed' } },
    maxPerSecond: s.maxPerSecond,
    reason: 'bench: replay impact',
  });
  const run = await call('/api/dlq/replays', { token: preview['token'] });
  return String(run['id']);
}

export async function replayProgress(
  s: ReplayImpactSetup,
  token: string,
  runId: string,
): Promise<{ status: string; published: number; decided: number; total: number }> {
  const res = await fetch(`${s.apiUrl}/api/dlq/replays/${runId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as { status: string; published: number; decided: number; total: number };
}
