// Which local ports each kind of run gives its Kafka broker and PostgreSQL, and how a run copes with a
// port that is taken. Only node: builtins here: this file runs before `npm ci` (tools/dev.ts).
//
// Every default lies below 32768, outside Linux's ephemeral range (ip_local_port_range, 32768–60999 by
// default). A port inside that range can be held at any moment by an *outgoing* connection's local end
// (a Kafka or pg client's socket), and a server cannot bind a port a connected socket holds: CI once
// failed with Postgres's "could not bind IPv4 address 127.0.0.1: Address already in use" on 54332 while
// nothing listened there. When a default is taken anyway (another run of this repository, another
// program), `choosePorts` moves to the next free port and says so: the run prints the ports it uses.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface StackPorts {
  readonly kafka: number;
  readonly kafkaController: number;
  readonly postgres: number;
}

/** Distinct per kind of run, so `npm start`, `npm test`, the chaos run, the soak and the bench can run side by side. */
export const DEFAULT_PORTS = {
  start: { kafka: 9092, kafkaController: 9093, postgres: 15432 },
  test: { kafka: 19092, kafkaController: 19093, postgres: 15433 },
  soak: { kafka: 29092, kafkaController: 29093, postgres: 15434 },
  chaos: { kafka: 21092, kafkaController: 21093, postgres: 15435 },
  bench: { kafka: 22092, kafkaController: 22093, postgres: 15436 },
} as const satisfies Record<string, StackPorts>;

/** The first port of the kernel's ephemeral range (where outgoing connections take their local port). */
export function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 1024 ? n : 32768;
  } catch {
    return 32768;
  }
}

/**
 * Whether a server could listen on 127.0.0.1:`port` now. Binds the way Kafka and Postgres do (with
 * SO_REUSEADDR, which Node sets on listening sockets), so a port held by a listener or by a connected
 * socket counts as taken and one in TIME_WAIT does not.
 */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * `wanted` if free; otherwise the next free port above it that stays below the ephemeral range and is
 * not in `taken` (the ports this run chose already; the chosen one is added). Throws a clear error
 * when there is none.
 */
export async function choosePort(
  name: string,
  wanted: number,
  opts: {
    readonly log: (msg: string) => void;
    readonly taken?: Set<number>;
    readonly isFree?: (port: number) => Promise<boolean>;
  },
): Promise<number> {
  // Stay below the ephemeral range, unless the caller asked for a port inside it.
  const limit = wanted < ephemeralRangeStart() ? ephemeralRangeStart() : 65536;
  const end = Math.min(limit, wanted + 500);
  const isFree = opts.isFree ?? portFree;
  for (let port = wanted; port < end; port++) {
    if (opts.taken?.has(port) === true) continue;
    if (await isFree(port)) {
      opts.taken?.add(port);
      if (port !== wanted) opts.log(`port ${wanted} (${name}) is in use; using ${port} instead`);
      return port;
    }
  }
  throw new Error(
    `no free port for ${name} in ${wanted}–${end - 1} on 127.0.0.1: stop what holds them ` +
      `(ss -ltnp), or point the run at external services (KAFKA_BROKERS, DATABASE_URL)`,
  );
}

/**
 * `choosePort` for a broker, its controller and a Postgres. Choose once per run: a run that restarts
 * its broker or Postgres must reuse the same ports.
 */
export async function choosePorts(
  preferred: StackPorts,
  log: (msg: string) => void,
  isFree?: (port: number) => Promise<boolean>,
): Promise<StackPorts> {
  const opts = { log, taken: new Set<number>(), ...(isFree ? { isFree } : {}) };
  return {
    kafka: await choosePort('Kafka', preferred.kafka, opts),
    kafkaController: await choosePort('Kafka controller', preferred.kafkaController, opts),
    postgres: await choosePort('PostgreSQL', preferred.postgres, opts),
  };
}
