import { afterEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { MongoClient } from 'mongodb';
import { installClosedSocketGuard } from '../../src/db/closed-socket-guard.js';
import { testDatabaseUri } from '../helpers/database.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The driver bug behind "the hub never becomes ready after the database restarts", set up
 * deterministically: when the server goes away, Node destroys a socket on the server's FIN and
 * emits its 'close' only later in the same event-loop turn, so for a moment the driver still
 * thinks the connection is open. A monitor check or an operation that writes in that window
 * waits forever for a 'drain' that never comes. Here the window is opened by destroying the
 * sockets by hand and writing in the same tick. The driver's internals are reached on purpose:
 * this file pins a driver bug and the workaround for it.
 *
 * The first test runs without the guard (it is installed process-wide by the next one): if it
 * fails, the driver fixed the bug and src/db/closed-socket-guard.ts can go.
 */
interface DriverConnection {
  socket: Socket;
  closed: boolean;
}
interface DriverServer {
  monitor: { connection: DriverConnection | null };
  pool: { connections: Iterable<DriverConnection> };
  requestCheck(): void;
}

function onlyServer(client: MongoClient): DriverServer {
  const topology = (client as unknown as { topology: { s: { servers: Map<string, unknown> } } })
    .topology;
  const servers = [...topology.s.servers.values()] as DriverServer[];
  expect(servers).toHaveLength(1);
  return servers[0]!;
}

interface Probe {
  client: MongoClient;
  server: DriverServer;
  heartbeats: string[];
}

async function connect(): Promise<Probe> {
  const client = new MongoClient(testDatabaseUri(), { serverSelectionTimeoutMS: 3_000 });
  const heartbeats: string[] = [];
  for (const name of ['serverHeartbeatFailed', 'serverHeartbeatSucceeded'] as const) {
    client.on(name, () => heartbeats.push(name));
  }
  await client.connect();
  await client.db().collection('things').insertOne({ n: 1 });
  const server = onlyServer(client);
  // The monitor has its own connection once its first check succeeded.
  await waitFor(() => server.monitor.connection !== null, 5_000, 'the monitor connection');
  // Past the monitor's 500 ms debounce, a requested check runs at once, as in an outage.
  await new Promise((resolve) => setTimeout(resolve, 700));
  return { client, server, heartbeats };
}

/** What the server's FIN does to the monitor's connection, then an immediate check. */
function checkOnDestroyedMonitorSocket(probe: Probe): number {
  const monitorConnection = probe.server.monitor.connection!;
  monitorConnection.socket.destroy();
  expect(monitorConnection.closed).toBe(false);
  const before = probe.heartbeats.length;
  probe.server.requestCheck();
  return before;
}

/** The same for an idle pooled connection, taken by a read in the same tick. */
function readOnDestroyedPoolSocket(probe: Probe): Promise<unknown> {
  const pooled = [...probe.server.pool.connections];
  expect(pooled.length).toBeGreaterThan(0);
  for (const connection of pooled) connection.socket.destroy();
  return probe.client.db().collection('things').findOne({ n: 1 });
}

const settledWithin = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);

describe('a write on a connection whose socket is destroyed but not yet closed', () => {
  let probe: Probe | undefined;
  afterEach(async () => {
    await probe?.client.close(true);
    probe = undefined;
  });

  it('without the guard, the monitor check and the read wait forever (the driver bug)', async () => {
    probe = await connect();
    const before = checkOnDestroyedMonitorSocket(probe);
    const read = readOnDestroyedPoolSocket(probe);
    expect(await settledWithin(read, 2_000)).toBe(false);
    // No heartbeat result, ever: the monitor is stuck on its hello.
    expect(probe.heartbeats.slice(before)).toEqual([]);
    read.catch(() => undefined);
  });

  it('with the guard, the monitor check fails at once and the next one finds the server', async () => {
    installClosedSocketGuard();
    probe = await connect();
    const before = checkOnDestroyedMonitorSocket(probe);
    const p = probe;
    await waitFor(
      () => p.heartbeats.slice(before).includes('serverHeartbeatFailed'),
      1_000,
      'the check to fail',
    );
    // The failed check made the server unknown: only another check can find it again.
    await expect(p.client.db().command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    expect(p.heartbeats.slice(before)).toContain('serverHeartbeatSucceeded');
  });

  it('with the guard, a read that took such a pooled connection is retried on a new one', async () => {
    installClosedSocketGuard();
    probe = await connect();
    const read = readOnDestroyedPoolSocket(probe);
    await expect(read).resolves.toMatchObject({ n: 1 });
  });
});
