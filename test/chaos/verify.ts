import { DEDUP_HEADERS } from '@dedup/contracts';
import type { Pool } from 'pg';
import { readTopic, type TopicRecord } from './kcat';
import { EXPECTED, type PlannedRecord } from './load';

export interface ChaosTopics {
  readonly input: string;
  readonly output: string;
  readonly duplicates: string;
  readonly late: string;
  readonly dlq: string;
}

/** Everything the verifier found; every count but the sizes must be 0. */
export interface Verification {
  /** Records in the input topic (a re-send by the generator after an unclear failure counts twice). */
  readonly inputRecords: number;
  /** Records the generator sent more than once (its send failed, but the broker had written it). */
  readonly resent: number;
  /** Records the broker acknowledged that are not in the input topic (the broker lost them). */
  readonly inputLost: number;
  /** Distinct event ids that must come out exactly once. */
  readonly uniqueIds: number;
  /** Event ids never emitted to the output topic. */
  readonly lost: number;
  /** Extra emissions of event ids already emitted once. */
  readonly duplicated: number;
  /** Output-topic records whose event id must never be emitted there (late or poison ids). */
  readonly unexpectedUnique: number;
  /** Input records with no record in any output topic. */
  readonly missingOutputs: number;
  /** Output records beyond one per input record (or for coordinates that are not in the input). */
  readonly extraOutputs: number;
  /** Input records whose output is on the wrong topic (e.g. a normal event sent to the late topic). */
  readonly misrouted: number;
  /** Per event id, |records in the duplicates topic - (copies - 1)|, summed. */
  readonly duplicatesMismatch: number;
  /** Late records missing from, or extra in, the late topic. */
  readonly lateMismatch: number;
  /** Poison records missing from, extra in, or with the wrong error type in the DLQ topic and table. */
  readonly dlqMismatch: number;
  readonly auditRows: number;
  /** Audit rows missing, extra, repeated for one record, or disagreeing with the record's Kafka output. */
  readonly auditMismatch: number;
  /** The first problems found, readable, with coordinates and seq numbers to look up in the logs. */
  readonly problems: readonly string[];
}

interface Output {
  readonly topic: keyof ChaosTopics;
  readonly outcome: string;
  readonly eventId: string | null;
  readonly errorType: string | null;
  readonly seq: string | undefined;
}

const MAX_PROBLEMS = 40;

/**
 * The independent verifier: reads every topic with kcat (read_committed) and the audit and DLQ tables
 * with SQL, and checks them against the ground truth of the input topic (each record carries its
 * `chaos-seq`, which names the planned record and so its expected outcome).
 */
export async function verify(opts: {
  brokers: string;
  topics: ChaosTopics;
  pipeline: string;
  pool: Pool;
  planned: ReadonlyMap<number, PlannedRecord>;
  acknowledged: ReadonlySet<number>;
}): Promise<Verification> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const { topics } = opts;
  const coord = (partition: number | string, offset: number | string) => `${partition}@${offset}`;

  // Ground truth: what actually went into the input topic.
  const input = await readTopic(opts.brokers, topics.input);
  const inputByCoord = new Map<string, PlannedRecord>();
  const seen = new Map<number, number>();
  for (const r of input) {
    const seq = Number(r.headers['chaos-seq']);
    const planned = opts.planned.get(seq);
    if (planned === undefined)
      throw new Error(`input record ${coord(r.partition, r.offset)} has no known chaos-seq`);
    inputByCoord.set(coord(r.partition, r.offset), planned);
    seen.set(seq, (seen.get(seq) ?? 0) + 1);
  }
  let resent = 0;
  for (const count of seen.values()) resent += count - 1;
  let inputLost = 0;
  for (const seq of opts.acknowledged) {
    if (!seen.has(seq)) {
      inputLost++;
      problem(`input: seq ${seq} was acknowledged by the broker but is not in ${topics.input}`);
    }
  }

  // Every output record, by the input coordinates it names.
  const outputsByCoord = new Map<string, Output[]>();
  const uniqueById = new Map<string, number>();
  const duplicatesById = new Map<string, number>();
  let extraOutputs = 0;
  for (const topic of ['output', 'duplicates', 'late', 'dlq'] as const) {
    const records: TopicRecord[] = await readTopic(opts.brokers, topics[topic]);
    for (const r of records) {
      const h = r.headers;
      const at = coord(h[DEDUP_HEADERS.sourcePartition] ?? '?', h[DEDUP_HEADERS.sourceOffset] ?? '?');
      const out: Output = {
        topic,
        outcome: h[DEDUP_HEADERS.outcome] ?? '?',
        eventId: h[DEDUP_HEADERS.eventId] ?? null,
        errorType: h[DEDUP_HEADERS.errorType] ?? null,
        seq: h['chaos-seq'],
      };
      if (h[DEDUP_HEADERS.sourceTopic] !== topics.input || !inputByCoord.has(at)) {
        extraOutputs++;
        problem(
          `${topics[topic]}: record ${coord(r.partition, r.offset)} names input ${at}, not in the input`,
        );
        continue;
      }
      const list = outputsByCoord.get(at) ?? [];
      list.push(out);
      outputsByCoord.set(at, list);
      if (out.eventId !== null && topic === 'output')
        uniqueById.set(out.eventId, (uniqueById.get(out.eventId) ?? 0) + 1);
      if (out.eventId !== null && topic === 'duplicates')
        duplicatesById.set(out.eventId, (duplicatesById.get(out.eventId) ?? 0) + 1);
    }
  }

  // One output per input record, on the topic its kind demands.
  let missingOutputs = 0;
  let misrouted = 0;
  let lateMismatch = 0;
  let dlqMismatch = 0;
  const copiesById = new Map<string, number>();
  const poisonCoords = new Map<string, PlannedRecord>();
  for (const [at, planned] of inputByCoord) {
    const expected = EXPECTED[planned.kind];
    const outs = outputsByCoord.get(at) ?? [];
    if (expected.outcome === 'unique-or-duplicate' && planned.eventId !== null)
      copiesById.set(planned.eventId, (copiesById.get(planned.eventId) ?? 0) + 1);
    if (expected.outcome === 'invalid' || expected.outcome === 'failed') poisonCoords.set(at, planned);
    if (outs.length === 0) {
      missingOutputs++;
      if (expected.outcome === 'late') lateMismatch++;
      if (expected.outcome === 'invalid' || expected.outcome === 'failed') dlqMismatch++;
      problem(`input ${at} (seq ${planned.seq}, ${planned.kind}) has no output`);
      continue;
    }
    if (outs.length > 1) {
      extraOutputs += outs.length - 1;
      problem(
        `input ${at} (seq ${planned.seq}, ${planned.kind}) has ${outs.length} outputs: ${outs.map((o) => `${o.topic}/${o.outcome}`).join(', ')}`,
      );
    }
    for (const out of outs) {
      if (out.seq !== String(planned.seq))
        problem(`input ${at}: output carries seq ${out.seq}, input seq ${planned.seq}`);
      switch (expected.outcome) {
        case 'unique-or-duplicate':
          if (
            !(out.topic === 'output' && out.outcome === 'unique') &&
            !(out.topic === 'duplicates' && out.outcome === 'duplicate')
          ) {
            misrouted++;
            problem(
              `input ${at} (seq ${planned.seq}, ${planned.kind}) went to ${out.topic} as ${out.outcome}`,
            );
          }
          break;
        case 'late':
          if (out.topic !== 'late' || out.outcome !== 'late') {
            misrouted++;
            lateMismatch++;
            problem(`input ${at} (seq ${planned.seq}, late) went to ${out.topic} as ${out.outcome}`);
          }
          break;
        case 'invalid':
        case 'failed':
          if (
            out.topic !== 'dlq' ||
            out.outcome !== expected.outcome ||
            out.errorType !== expected.errorType
          ) {
            if (out.topic !== 'dlq') misrouted++;
            dlqMismatch++;
            problem(
              `input ${at} (seq ${planned.seq}, ${planned.kind}) went to ${out.topic} as ${out.outcome}/${out.errorType}, expected ${expected.outcome}/${expected.errorType}`,
            );
          }
          break;
      }
    }
  }
  for (const [at, outs] of outputsByCoord) {
    const planned = inputByCoord.get(at);
    if (planned !== undefined && EXPECTED[planned.kind].outcome !== 'late') {
      lateMismatch += outs.filter((o) => o.topic === 'late').length;
    }
  }

  // Exactly once per event id.
  let lost = 0;
  let duplicated = 0;
  let duplicatesMismatch = 0;
  for (const [id, copies] of copiesById) {
    const emitted = uniqueById.get(id) ?? 0;
    if (emitted === 0) {
      lost++;
      problem(`event ${id} (${copies} cop${copies === 1 ? 'y' : 'ies'} in the input) was never emitted`);
    }
    if (emitted > 1) {
      duplicated += emitted - 1;
      problem(`event ${id} was emitted ${emitted} times`);
    }
    const dups = duplicatesById.get(id) ?? 0;
    if (dups !== copies - 1) {
      duplicatesMismatch += Math.abs(dups - (copies - 1));
      problem(`event ${id}: ${dups} records in the duplicates topic, expected ${copies - 1}`);
    }
  }
  let unexpectedUnique = 0;
  for (const [id, count] of uniqueById) {
    if (!copiesById.has(id)) {
      unexpectedUnique += count;
      problem(`event ${id} was emitted to the output topic but is not a valid, timely event`);
    }
  }

  // Postgres: one audit row per input record, agreeing with the record's Kafka output; the DLQ table.
  const audit = await opts.pool.query<{
    source_partition: number;
    source_offset: string;
    outcome: string;
    n: string;
  }>(
    `SELECT source_partition, source_offset::text, min(outcome) AS outcome, count(*)::text AS n
       FROM event_audit WHERE pipeline = $1 AND source_topic = $2 GROUP BY 1, 2`,
    [opts.pipeline, topics.input],
  );
  let auditRows = 0;
  let auditMismatch = 0;
  const audited = new Set<string>();
  for (const row of audit.rows) {
    const at = coord(row.source_partition, row.source_offset);
    const n = Number(row.n);
    auditRows += n;
    audited.add(at);
    if (n > 1) {
      auditMismatch += n - 1;
      problem(`audit: ${n} rows for input ${at}`);
    }
    if (!inputByCoord.has(at)) {
      auditMismatch++;
      problem(`audit: row for ${at}, which is not in the input`);
      continue;
    }
    const out = outputsByCoord.get(at)?.[0];
    if (out !== undefined && out.outcome !== row.outcome) {
      auditMismatch++;
      problem(`audit: input ${at} is ${row.outcome} in Postgres but ${out.outcome} in Kafka`);
    }
  }
  for (const [at, planned] of inputByCoord) {
    if (!audited.has(at)) {
      auditMismatch++;
      problem(`audit: no row for input ${at} (seq ${planned.seq}, ${planned.kind})`);
    }
  }
  const dlqRows = await opts.pool.query<{
    source_partition: number;
    source_offset: string;
    error_type: string;
  }>(
    `SELECT source_partition, source_offset::text, error_type FROM dlq_record WHERE pipeline = $1 AND source_topic = $2`,
    [opts.pipeline, topics.input],
  );
  const dlqTable = new Map<string, string[]>();
  for (const r of dlqRows.rows) {
    const at = coord(r.source_partition, r.source_offset);
    dlqTable.set(at, [...(dlqTable.get(at) ?? []), r.error_type]);
  }
  for (const [at, planned] of poisonCoords) {
    const expected = EXPECTED[planned.kind];
    const types = dlqTable.get(at) ?? [];
    if (types.length !== 1 || !('errorType' in expected) || types[0] !== expected.errorType) {
      dlqMismatch++;
      problem(`dlq_record: input ${at} (seq ${planned.seq}, ${planned.kind}) has [${types.join(', ')}]`);
    }
  }
  for (const at of dlqTable.keys()) {
    if (!poisonCoords.has(at)) {
      dlqMismatch++;
      problem(`dlq_record: row for ${at}, which is not a poison record`);
    }
  }

  return {
    inputRecords: input.length,
    resent,
    inputLost,
    uniqueIds: copiesById.size,
    lost,
    duplicated,
    unexpectedUnique,
    missingOutputs,
    extraOutputs,
    misrouted,
    duplicatesMismatch,
    lateMismatch,
    dlqMismatch,
    auditRows,
    auditMismatch,
    problems,
  };
}
