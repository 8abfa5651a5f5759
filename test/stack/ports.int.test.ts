import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
// The port choice every local stack makes (tools/dev.ts, the chaos run, the soak, the bench).
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  choosePort,
  choosePorts,
  DEFAULT_PORTS,
  ephemeralRangeStart,
  portFree,
} from '../../tools/stack/ports';

/**
 * On real sockets: a port is taken when something listens on it, and also when an outgoing
 * connection's local end holds it (what made CI's Postgres fail to bind 54332 with nothing
 * listening there).
 */
describe('local stack ports', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function listenOn(port: number): Promise<Server> {
    const server = createServer((socket) => socket.on('error', () => undefined));
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return server;
  }

  function portOf(server: Server): number {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  }

  it('keeps every default below the ephemeral range, and distinct across kinds of run', () => {
    const all = Object.values(DEFAULT_PORTS).flatMap((p) => [p.kafka, p.kafkaController, p.postgres]);
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBeLessThan(ephemeralRangeStart());
  });

  it('counts a listened-on port as taken, and moves to the next free one', async () => {
    const quiet = { log: () => undefined };
    const held = portOf(await listenOn(await choosePort('probe', 31_000, quiet)));
    expect(await portFree(held)).toBe(false);
    const logs: string[] = [];
    const chosen = await choosePort('PostgreSQL', held, { log: (m) => logs.push(m) });
    expect(chosen).toBeGreaterThan(held);
    expect(chosen).toBeLessThan(ephemeralRangeStart());
    expect(await portFree(chosen)).toBe(true);
    expect(logs).toEqual([`port ${held} (PostgreSQL) is in use; using ${chosen} instead`]);
  });

  it("counts a port held by an outgoing connection's local end as taken", async () => {
    const server = await listenOn(0);
    const client: Socket = connect({ host: '127.0.0.1', port: portOf(server) });
    await once(client, 'connect');
    closers.push(() => {
      client.destroy();
      return Promise.resolve();
    });
    const localPort = client.localPort;
    if (localPort === undefined) throw new Error('no local port');
    // Nothing listens on localPort; a server still cannot bind it while the connection lives.
    expect(await portFree(localPort)).toBe(false);
  });

  it('chooses distinct ports for broker, controller and Postgres when the defaults collide', async () => {
    const taken = new Set([30000, 30001]);
    const ports = await choosePorts(
      { kafka: 30000, kafkaController: 30001, postgres: 30001 },
      () => undefined,
      (p) => Promise.resolve(!taken.has(p)),
    );
    expect(ports).toEqual({ kafka: 30002, kafkaController: 30003, postgres: 30004 });
  });

  it('fails with a clear error when no port is free below the ephemeral range', async () => {
    await expect(
      choosePort('Kafka', ephemeralRangeStart() - 3, {
        log: () => undefined,
        isFree: () => Promise.resolve(false),
      }),
    ).rejects.toThrow(/no free port for Kafka .* stop what holds them/);
  });
});
