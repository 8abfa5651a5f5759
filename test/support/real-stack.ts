import { randomBytes } from 'node:crypto';

/** The real parts `npm test` started (tools/dev.ts). Tests fail loudly rather than fall back to fakes. */
export function realStack(): { kafkaBrokers: string[]; databaseUrl: string; runDir: string } {
  const kafka = process.env['KAFKA_BROKERS'];
  const db = process.env['DATABASE_URL'];
  if (!kafka || !db) {
    throw new Error(
      'KAFKA_BROKERS and DATABASE_URL must point at a real broker and database: run `npm test`',
    );
  }
  return { kafkaBrokers: kafka.split(','), databaseUrl: db, runDir: process.env['DEDUP_RUN_DIR'] ?? '/tmp' };
}

/** A short random suffix so suites never share topics, groups or pipeline state. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
