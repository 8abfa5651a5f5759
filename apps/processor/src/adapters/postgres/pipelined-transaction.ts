import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { QueryFailedError, type DataSource } from 'typeorm';

/**
 * A transaction that costs as few round trips as its reads need (docs/adr/0012). Writes are queued
 * and travel with the next read, or with the COMMIT; reads asked for in the same tick travel
 * together. Everything goes as ONE simple-protocol query string per round trip, statements in the
 * order they were asked for: Postgres runs them one after the other, each with its own snapshot (READ
 * COMMITTED), exactly as if they had been sent one by one, and stops at the first that fails.
 *
 * Why: on this kind of machine a round trip is the dearest thing a batch does. The processor spent a
 * fifth of its thread in `writev` (one per query) at 5k events/s, and a batch took twelve round
 * trips (docs/benchmarks.md, "fewer round trips").
 */
export interface PipelinedSql {
  /** A statement whose rows nobody needs: sent ahead of the next read, or with the COMMIT. */
  queue(sql: string, params?: readonly unknown[], options?: StatementOptions): void;
  /** Rows of this statement; reads asked for in the same tick share one round trip. */
  read<T>(sql: string, params?: readonly unknown[], options?: StatementOptions): Promise<T[]>;
}

export interface StatementOptions {
  /**
   * Prepared once per connection and then EXECUTEd: Postgres plans it once, not per batch (the
   * audit statement's planning cost 0.17 ms, a quarter of executing it for 32 rows). Only for a
   * statement whose plan cannot depend on table statistics (inserts from a recordset, upserts and
   * lookups by primary key of small tables): a cached generic plan made while a table was empty
   * would otherwise stay when it is big (seen: a claim lookup that became a scan, Postgres at 1.35
   * cores for 2k events/s).
   */
  readonly prepare?: boolean;
}

/** StatementOptions of a statement to prepare. */
export const PREPARED: StatementOptions = { prepare: true };

/**
 * Runs `work` in one transaction on a connection of the data source's pool. BEGIN travels with the
 * first read, COMMIT with the last writes. Errors come as TypeORM's QueryFailedError (the driver's
 * error in `driverError`), like every other query of the processor's.
 */
export async function inPipelinedTransaction<T>(
  dataSource: DataSource,
  work: (sql: PipelinedSql) => Promise<T>,
): Promise<T> {
  const pool = (dataSource.driver as unknown as { master: Pool | undefined }).master;
  if (pool === undefined) throw new Error('the data source is not initialised');
  const client = await pool.connect();
  // A checked-out client has no 'error' listener of the pool's: a connection lost meanwhile (Postgres
  // restarted, the idle-in-transaction timeout) would otherwise throw out of the process. The
  // failed query rejects on its own; the connection is then destroyed, not reused.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  const session = new Session(client);
  try {
    const result = await work(session);
    await session.commit();
    return result;
  } catch (error) {
    const rollbackError = broken === undefined ? await session.rollback() : undefined;
    broken ??= rollbackError;
    throw error;
  } finally {
    client.off('error', onError);
    // A connection whose ROLLBACK failed may still hold the transaction: destroyed, not reused.
    client.release(broken);
  }
}

interface PendingRead {
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

/** A statement waiting for its round trip, in the order asked; a read's promise with it. */
interface Pending {
  readonly text: string;
  readonly read?: PendingRead;
}

class Session implements PipelinedSql {
  private pending: Pending[] = [{ text: 'BEGIN' }];
  private flushScheduled = false;
  private began = false;
  /** The error of a round trip that failed: the transaction is over, no COMMIT may follow. */
  private failed: QueryFailedError | undefined = undefined;
  /** Names this session marked prepared: not sent yet while nothing has been sent. */
  private readonly added: string[] = [];
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: PoolClient) {}

  queue(sql: string, params: readonly unknown[] = [], options: StatementOptions = {}): void {
    const text = options.prepare === true ? this.prepared(sql, params) : bindLiterals(sql, params);
    this.pending.push({ text });
  }

  read<T>(sql: string, params: readonly unknown[] = [], options: StatementOptions = {}): Promise<T[]> {
    const text = options.prepare === true ? this.prepared(sql, params) : bindLiterals(sql, params);
    return new Promise<T[]>((resolve, reject) => {
      this.pending.push({ text, read: { resolve: resolve as (rows: unknown[]) => void, reject } });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  /** EXECUTE of `sql` prepared on this connection; the PREPARE goes ahead of it the first time. */
  private prepared(sql: string, params: readonly unknown[]): string {
    const args = params.map(sqlLiteral).join(', ');
    const name = preparedName(sql);
    let names = PREPARED_ON.get(this.client);
    if (names === undefined) PREPARED_ON.set(this.client, (names = new Set()));
    if (!names.has(name)) {
      // A bound on what one connection keeps: texts built from data would otherwise pile up.
      if (names.size >= MAX_PREPARED_PER_CONNECTION) return bindLiterals(sql, params);
      this.pending.push({ text: `PREPARE ${name} AS ${sql}` });
      names.add(name);
      this.added.push(name);
    }
    return params.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${args})`;
  }

  /** Everything asked so far, in order, in one round trip; each read gets its own statement's rows. */
  private flush(): void {
    this.flushScheduled = false;
    const items = this.pending.splice(0);
    this.sending = this.send(items.map((i) => i.text)).then(
      (results) => {
        items.forEach((item, i) => item.read?.resolve(results[i]?.rows ?? []));
      },
      (error: unknown) => {
        for (const item of items) item.read?.reject(error);
      },
    );
  }

  /** One simple-protocol query of `statements`; the result of each (a failure ends the transaction). */
  private async send(statements: readonly string[]): Promise<QueryResult[]> {
    if (this.failed !== undefined) throw this.failed;
    const text = statements.join(';\n');
    if (statements[0] === 'BEGIN') this.began = true;
    try {
      const result = (await this.client.query(text)) as QueryResult | QueryResult[];
      const results = Array.isArray(result) ? result : [result];
      if (results.length !== statements.length) {
        throw new Error(`${statements.length} statements sent, ${results.length} results`);
      }
      return results;
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.failed = new QueryFailedError(text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text, [], cause);
      throw this.failed;
    }
  }

  async commit(): Promise<void> {
    await this.sending.catch(() => undefined);
    // A failed trip's error, even if its read was not awaited: the transaction did not commit.
    if (this.failed !== undefined) throw this.failed;
    const items = this.pending.splice(0);
    if (!this.began && items.length === 1) return; // nothing was asked: no transaction to end
    await this.send([...items.map((i) => i.text), 'COMMIT']);
  }

  /**
   * Ends the transaction after a failure; the error of a ROLLBACK that failed, if any. Which PREPAREs
   * of a failed round trip ran is unknown: the connection forgets them all and prepares again.
   */
  async rollback(): Promise<Error | undefined> {
    await this.sending.catch(() => undefined);
    if (!this.began) {
      // Nothing was sent: neither a transaction to end nor a PREPARE of this session's on the server.
      for (const name of this.added) PREPARED_ON.get(this.client)?.delete(name);
      return undefined;
    }
    PREPARED_ON.delete(this.client);
    try {
      // No transaction left (the COMMIT itself failed) only draws a warning.
      await this.client.query('ROLLBACK; DEALLOCATE ALL');
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}

/** The statements each pooled connection has prepared (a connection's prepared statements are its own). */
const PREPARED_ON = new WeakMap<PoolClient, Set<string>>();
const MAX_PREPARED_PER_CONNECTION = 64;
const NAMES = new Map<string, string>();

function preparedName(sql: string): string {
  let name = NAMES.get(sql);
  if (name === undefined) {
    name = `dedup_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    if (NAMES.size < 1_000) NAMES.set(sql, name);
  }
  return name;
}

/**
 * `sql` with each `$n` replaced by parameter n as a literal. The template is scanned once, so a
 * value that contains `$1` stays text. The templates are the processor's own; a `$` inside their own
 * quotes would be replaced too, so they have none.
 */
export function bindLiterals(sql: string, params: readonly unknown[]): string {
  if (params.length === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i >= params.length) throw new Error(`no parameter $${n} (${params.length} given)`);
    return sqlLiteral(params[i]);
  });
}

/**
 * A value as an SQL literal. Strings as Postgres's own client libraries quote them (quotes doubled;
 * with a backslash, an E'' string with backslashes doubled: right whatever
 * standard_conforming_strings says). Arrays as the text of an array ('{"a",NULL}'), which takes the
 * type it is cast to or bound to (an EXECUTE's parameter): one level, of text, numbers or bytes.
 * NUL cannot be in a simple-protocol query, nor in Postgres text: refused, like the server refuses
 * it as a bound parameter.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw dataException('22023', `not a finite number: ${value}`);
    // In brackets when negative: `x-$1` must not become the comment `x--1`.
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw dataException(
        '22021',
        'invalid byte sequence for encoding "UTF8": 0x00 (a text value cannot contain U+0000)',
      );
    }
    const quoted = value.replaceAll("'", "''");
    return value.includes('\\') ? `E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
  }
  if (Array.isArray(value)) return sqlLiteral(`{${value.map(arrayElement).join(',')}}`);
  if (Buffer.isBuffer(value)) return `decode('${value.toString('hex')}', 'hex')`;
  throw new Error(`no SQL literal for a ${typeof value}`);
}

/** One element of an array literal: NULL, or double-quoted with its quotes and backslashes escaped. */
function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else if (Buffer.isBuffer(value)) text = `\\x${value.toString('hex')}`;
  else throw new Error(`no SQL array element for a ${Array.isArray(value) ? 'nested array' : typeof value}`);
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * A value Postgres would refuse as a bound parameter, refused here with the error Postgres would
 * give (SQLSTATE class 22, data exception): a batch that meets it is not retried but decided record
 * by record, the record sent to the DLQ with this reason, as before (pipeline.service.ts).
 */
function dataException(code: string, message: string): QueryFailedError {
  return new QueryFailedError('', [], Object.assign(new Error(message), { code }));
}
