import type { LoggerService } from '@nestjs/common';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEYS = /pass(word)?|secret|token|authorization|api[-_]?key/i;

/** Hides credentials in connection strings and secret-looking fields before a line is written. */
export function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/(\w+:\/\/[^:/@\s]+:)[^@\s]+@/g, '$1***@');
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '***' : redact(v)]),
    );
  }
  return value;
}

/**
 * One JSON object per line on stdout, with secrets redacted. Fields such as topic, partition,
 * offset, event_id and trace_id are passed in `fields` so log search can join on them.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly level: Level = 'info',
    private readonly base: Record<string, unknown> = {},
  ) {}

  child(fields: Record<string, unknown>): JsonLogger {
    return new JsonLogger(this.level, { ...this.base, ...fields });
  }

  write(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (RANK[level] < RANK[this.level]) return;
    const line = redact({ time: new Date().toISOString(), level, msg, ...this.base, ...fields });
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }

  // LoggerService (Nest) entry points: the last optional param is Nest's context string.
  log(message: unknown, context?: unknown): void {
    this.write('info', String(message), context === undefined ? {} : { context });
  }
  error(message: unknown, trace?: unknown, context?: unknown): void {
    this.write('error', String(message), { trace, context });
  }
  warn(message: unknown, context?: unknown): void {
    this.write('warn', String(message), context === undefined ? {} : { context });
  }
  debug(message: unknown, context?: unknown): void {
    this.write('debug', String(message), context === undefined ? {} : { context });
  }
  verbose(message: unknown, context?: unknown): void {
    this.debug(message, context);
  }
}
