// Micro-benchmark of the batch transaction's two big statements, the audit insert with its rollup and
// the claim insert, in the forms considered (docs/benchmarks.md, "Postgres write path"): parameters as
// one jsonb document, one json document or one array per column; an upsert with RETURNING or a plain
// INSERT. Each variant inserts the same rows into the real schema (a running stack's database, after
// its migrations) inside a transaction that is rolled back, so every round meets the same table.
// Prints the statement's time per row (Postgres is the only work: wall time on an idle box) and the
// client CPU spent building the parameters, medians over the rounds.
//
//   node tools/bench/pg-write-path.ts --database-url postgres://postgres:password@127.0.0.1:15432/dedup
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgres://postgres:password@127.0.0.1:15432/dedup' },
    rows: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '15' },
  },
});
const ROWS = Number(values.rows);
const ROUNDS = Number(values.rounds);
const PIPELINE = 'pg-write-path-bench';

interface AuditRow {
  source_topic: string;
  source_partition: number;
  source_offset: string;
  event_id: string;
  dedup_keys: string[];
  outcome: string;
  reason: string | null;
  error_type: string | null;
  matched_strategy: string | null;
  first_topic: string | null;
  first_partition: number | null;
  first_offset: string | null;
  first_seen_ms: number | null;
  event_time_ms: number;
  watermark_ms: number;
  lateness_ms: number | null;
  trace_id: string;
  record_hash: string;
  approximate: boolean;
}

function auditRows(round: number): AuditRow[] {
  const now = Date.now();
  return Array.from({ length: ROWS }, (_, i) => {
    const dup = i % 10 === 0;
    return {
      source_topic: 'events.raw',
      source_partition: i % 4,
      source_offset: String(round * ROWS + i),
      event_id: `evt-${round}-${i}`,
      dedup_keys: [`event_id:evt-${round}-${i}`],
      outcome: dup ? 'duplicate' : 'unique',
      reason: null,
      error_type: null,
      matched_strategy: dup ? 'event_id' : null,
      first_topic: dup ? 'events.raw' : null,
      first_partition: dup ? 1 : null,
      first_offset: dup ? '12345' : null,
      first_seen_ms: dup ? now - 1000 : null,
      event_time_ms: now - 50,
      watermark_ms: now - 5000,
      lateness_ms: null,
      trace_id: (round * ROWS + i).toString(16).padStart(32, '0'),
      record_hash: 'abcdefghijklmnopqrstuv',
      approximate: false,
    };
  });
}

const AUDIT_COLUMNS = `source_topic text, source_partition int, source_offset bigint, event_id text, dedup_keys text[],
  outcome text, reason text, error_type text, matched_strategy text, first_topic text,
  first_partition int, first_offset bigint, first_seen_ms bigint, event_time_ms bigint,
  watermark_ms bigint, lateness_ms bigint, trace_id text, record_hash text, approximate boolean`;

const AUDIT_INSERT_COLUMNS = `pipeline, pipeline_version, source_topic, source_partition, source_offset,
  event_id, dedup_keys, dedup_key, outcome, reason, error_type, matched_strategy, first_topic, first_partition,
  first_offset, first_seen_at, event_time, watermark, lateness_ms, trace_id, record_hash, approximate`;
const AUDIT_INSERT_VALUES = `$1, $2, source_topic, source_partition, source_offset, event_id, dedup_keys, dedup_keys[1],
  outcome, reason, error_type, matched_strategy, first_topic, first_partition, first_offset,
  to_timestamp(first_seen_ms / 1000.0), to_timestamp(event_time_ms / 1000.0),
  to_timestamp(watermark_ms / 1000.0), lateness_ms, trace_id, record_hash, approximate`;

/**
 * The audit is partitioned by day (no unique constraint on the coordinates): a row that may exist
 * already is skipped when its bytes match and replaced when they differ (DedupRepository.record's
 * re-delivery path), `cond` choosing the rows that take it.
 */
function redo(cond: string): string {
  return `redo AS (
      SELECT * FROM rows r WHERE ${cond} AND NOT EXISTS (
        SELECT 1 FROM event_audit a WHERE a.pipeline = $1 AND a.source_topic = r.source_topic
           AND a.source_partition = r.source_partition AND a.source_offset = r.source_offset
           AND a.record_hash IS NOT DISTINCT FROM r.record_hash)
    ), replaced AS (
      DELETE FROM event_audit a USING redo r WHERE a.pipeline = $1 AND a.source_topic = r.source_topic
         AND a.source_partition = r.source_partition AND a.source_offset = r.source_offset
    ), redone AS (
      INSERT INTO event_audit (${AUDIT_INSERT_COLUMNS}) SELECT ${AUDIT_INSERT_VALUES} FROM redo
      RETURNING source_partition, outcome
    )`;
}

/** Every row through the re-delivery path (as if no progress were known), the rollup from its RETURNING. */
function auditUpsert(rowsSql: string): string {
  return `WITH rows AS (${rowsSql}), ${redo('true')}
  INSERT INTO outcome_rollup (pipeline, minute, source_partition, outcome, count)
  SELECT $1, date_trunc('minute', now()), source_partition, outcome, count(*)
    FROM redone GROUP BY 2, 3, 4
  ON CONFLICT ON CONSTRAINT pk_outcome_rollup DO UPDATE SET count = outcome_rollup.count + EXCLUDED.count`;
}

/** The statement after (DedupRepository.record): rows above the progress take a plain INSERT. */
function auditPlain(rowsSql: string): string {
  const insert = `INSERT INTO event_audit (pipeline, pipeline_version, source_topic, source_partition, source_offset,
                             event_id, dedup_keys, dedup_key, outcome, trace_id, record_hash, event_time, watermark)
    SELECT $1, $2, source_topic, source_partition, source_offset, event_id, dedup_keys, dedup_keys[1], outcome,
           trace_id, record_hash, to_timestamp(event_time_ms / 1000.0), to_timestamp(watermark_ms / 1000.0)
      FROM rows`;
  return `WITH rows AS (${rowsSql}),
    fresh AS (${insert} WHERE $4::bigint IS NOT NULL AND source_offset > $4::bigint),
    ${redo('($4::bigint IS NULL OR r.source_offset <= $4::bigint)')},
    counts AS (SELECT source_partition, outcome, count(*) AS n FROM rows
                WHERE $4::bigint IS NOT NULL AND source_offset > $4::bigint GROUP BY 1, 2
               UNION ALL SELECT source_partition, outcome, count(*) FROM redone GROUP BY 1, 2)
  INSERT INTO outcome_rollup (pipeline, minute, source_partition, outcome, count)
  SELECT $1, date_trunc('minute', now()), source_partition, outcome, sum(n) FROM counts GROUP BY 2, 3, 4
  ON CONFLICT ON CONSTRAINT pk_outcome_rollup DO UPDATE SET count = outcome_rollup.count + EXCLUDED.count`;
}

const AUDIT_KEYS = [
  'source_topic',
  'source_partition',
  'source_offset',
  'event_id',
  'dedup_keys',
  'outcome',
  'reason',
  'error_type',
  'matched_strategy',
  'first_topic',
  'first_partition',
  'first_offset',
  'first_seen_ms',
  'event_time_ms',
  'watermark_ms',
  'lateness_ms',
  'trace_id',
  'record_hash',
  'approximate',
] as const;
const AUDIT_TYPES = AUDIT_COLUMNS.split(',').map((c) => c.trim().split(/\s+/)[1] ?? 'text');

interface Variant {
  readonly name: string;
  readonly sql: string;
  readonly params: (rows: AuditRow[]) => unknown[];
}

const CLAIM_COLUMNS = `dedup_key text, strategy text, event_id text, origin_topic text, origin_partition int,
  origin_offset bigint, first_event_ms bigint, first_seen_ms bigint, expires_ms bigint`;
function claimInsert(kind: 'json' | 'jsonb'): string {
  return `INSERT INTO dedup_claim (pipeline, dedup_key, strategy, event_id, origin_topic, origin_partition,
                                  origin_offset, first_event_time, first_seen_at, expires_at)
    SELECT $1, dedup_key, strategy, event_id, origin_topic, origin_partition, origin_offset,
           to_timestamp(first_event_ms / 1000.0), to_timestamp(first_seen_ms / 1000.0), to_timestamp(expires_ms / 1000.0)
      FROM ${kind}_to_recordset($2::${kind}) AS r(${CLAIM_COLUMNS})`;
}
/** A new claim per audit row, keyed by its event id (sorted, as the processor inserts them). */
function claimParams(rows: AuditRow[]): unknown[] {
  const now = Date.now();
  const claims = rows
    .map((r) => ({
      dedup_key: `${r.dedup_keys[0]}:${Math.random()}`,
      strategy: 'event_id',
      event_id: r.event_id,
      origin_topic: r.source_topic,
      origin_partition: r.source_partition,
      origin_offset: r.source_offset,
      first_event_ms: now,
      first_seen_ms: now,
      expires_ms: now + 3_600_000,
    }))
    .sort((a, b) => (a.dedup_key < b.dedup_key ? -1 : 1));
  return [PIPELINE, JSON.stringify(claims)];
}

const variants: Variant[] = [
  {
    name: 'audit: every row checked and replaced if changed + RETURNING rollup, jsonb (before)',
    sql: auditUpsert(`SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(${AUDIT_COLUMNS})`),
    params: (rows) => [PIPELINE, '1', JSON.stringify(rows)],
  },
  {
    name: 'audit: every row checked and replaced if changed + RETURNING rollup, json',
    sql: auditUpsert(`SELECT * FROM json_to_recordset($3::json) AS r(${AUDIT_COLUMNS})`),
    params: (rows) => [PIPELINE, '1', JSON.stringify(rows)],
  },
  {
    name: 'audit: plain insert above the progress, json (after)',
    sql: auditPlain(`SELECT * FROM json_to_recordset($3::json) AS r(${AUDIT_COLUMNS})`),
    params: (rows) => [PIPELINE, '1', JSON.stringify(rows), '-1'],
  },
  {
    name: 'claims: ON CONFLICT DO NOTHING RETURNING, jsonb (before)',
    sql: `${claimInsert('jsonb')} ON CONFLICT ON CONSTRAINT pk_dedup_claim DO NOTHING RETURNING dedup_key`,
    params: claimParams,
  },
  {
    name: 'claims: plain insert, json (after)',
    sql: claimInsert('json'),
    params: claimParams,
  },
  {
    name: 'audit: every row checked, unnest arrays per column (dedup_keys: first key only)',
    sql: auditUpsert(
      `SELECT ${AUDIT_KEYS.map((k, i) => (k === 'dedup_keys' ? `ARRAY[c${i}] AS dedup_keys` : `c${i} AS ${k}`)).join(', ')}
         FROM unnest(${AUDIT_KEYS.map((k, i) => `$${i + 3}::${k === 'dedup_keys' ? 'text' : AUDIT_TYPES[i]}[]`).join(', ')})
           AS u(${AUDIT_KEYS.map((_, i) => `c${i}`).join(', ')})`,
    ),
    params: (rows) => [
      PIPELINE,
      '1',
      ...AUDIT_KEYS.map((k) => rows.map((r) => (k === 'dedup_keys' ? r.dedup_keys[0] : r[k]))),
    ],
  },
];

async function main(): Promise<void> {
  const client = new pg.Client({ connectionString: values['database-url'] });
  await client.connect();
  console.log(`rows per statement: ${ROWS}, rounds: ${ROUNDS} (first two are warm-up)`);
  for (const variant of variants) {
    const server: number[] = [];
    const clientCpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rows = auditRows(round);
      const cpu0 = process.cpuUsage();
      const params = variant.params(rows);
      const cpu1 = process.cpuUsage(cpu0);
      await client.query('BEGIN');
      const t0 = performance.now();
      await client.query(variant.sql, params);
      const t1 = performance.now();
      await client.query('ROLLBACK');
      if (round >= 2) {
        server.push(((t1 - t0) * 1000) / ROWS);
        clientCpu.push((cpu1.user + cpu1.system) / ROWS);
      }
    }
    server.sort((a, b) => a - b);
    clientCpu.sort((a, b) => a - b);
    const median = (xs: number[]) => (xs[Math.floor(xs.length / 2)] ?? NaN).toFixed(1);
    console.log(
      `${variant.name}: statement ${median(server)} µs/row, params ${median(clientCpu)} µs/row (medians)`,
    );
  }
  await client.end();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
