/**
 * `npm run bench:idle`: what one idle POLL delta run costs in the whole running service
 * (src/runtime with the real sync engine, the Graph emulator over HTTPS, the dev/test database).
 * Counts work rather than trusting wall time on a shared machine:
 *
 *   1. sequential: BENCH_IDLE_SEQUENTIAL idle runs one after another; per run, the database
 *      commands the hub sent (by command and collection, minus the background measured over an
 *      equally long quiet period), Graph requests and tokens issued by the emulator, and the
 *      run's wall time;
 *   2. throughput: a POLL requested for every connector at once; idle runs finished per second.
 *
 * Environment: BENCH_IDLE_CONNECTORS (200), BENCH_IDLE_SEQUENTIAL (30). Never pass/fail.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import type { CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import mongoose, { type Connection } from 'mongoose';
import { pino } from 'pino';
import { insertActiveConnectors } from './support/active-connectors.js';
import { loadConfig, loadProvisionConfig } from '../src/config.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { SyncTrigger, type SyncRequester } from '../src/domain/connector.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { defaultSyncEngine } from '../src/runtime/default-sync-engine.js';
import { startHubRuntime } from '../src/runtime/start-hub-runtime.js';
import type { SyncEngineFactory } from '../src/runtime/sync-engine.port.js';

const CONNECTORS = Number(process.env['BENCH_IDLE_CONNECTORS'] ?? 200);
const SEQUENTIAL = Number(process.env['BENCH_IDLE_SEQUENTIAL'] ?? 30);
const FINAL = ['SUCCEEDED', 'PARTIAL', 'FAILED', 'CANCELLED', 'NEEDS_APPROVAL'];
const logger = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(ms, 0)));
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

interface Tenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  syncGroupId: string;
}

function seedTenant(emulator: RunningEmulator): Tenant {
  const control = emulator.control;
  const tenant = control.createTenant({});
  const app = control.createApp({ displayName: 'Entra connector hub (bench)' });
  const secret = control.addSecret(app.clientId);
  control.grantConsent(tenant.id, app.clientId);
  const generated = control.generateTenant(tenant.id, {
    users: 3,
    groups: 1,
    syncGroupMembers: 1,
    guestShare: 0,
    disabledShare: 0,
  });
  return {
    tenantId: tenant.id,
    clientId: app.clientId,
    clientSecret: secret.secretText,
    syncGroupId: generated.syncGroupId,
  };
}

/** Database commands the hub's connection sends, by `command collection`. */
class CommandCounter {
  private counts = new Map<string, number>();
  private keys = new Map<number, string>();
  /** Summed command durations (ms) by kind: where the database time goes. */
  ms = new Map<string, number>();
  constructor(connection: Connection) {
    const client = connection.getClient();
    client.on('commandStarted', (event: CommandStartedEvent) => {
      const target = event.command[event.commandName] as unknown;
      const key = `${event.commandName} ${typeof target === 'string' ? target : ''}`.trim();
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      this.keys.set(event.requestId, key);
    });
    client.on('commandSucceeded', (event: CommandSucceededEvent) => {
      const key = this.keys.get(event.requestId);
      this.keys.delete(event.requestId);
      if (key) this.ms.set(key, (this.ms.get(key) ?? 0) + event.duration);
    });
  }
  take(): Map<string, number> {
    const counts = this.counts;
    this.counts = new Map();
    return counts;
  }
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
const emulator = await startEmulator({ allowHttpNotificationUrls: true });
const dbName = `bench_idle_${randomUUID().slice(0, 8)}`;
const connection = await mongoose
  .createConnection(withDatabase(handle.uri, dbName), { monitorCommands: true })
  .asPromise();
// The bench's own waiting goes through another connection, so it is not counted.
const observer = await mongoose.createConnection(withDatabase(handle.uri, dbName)).asPromise();
const commands = new CommandCounter(connection);
let requester: SyncRequester | null = null;
let jobRequests = 0;
// Runs are requested by the bench only; the poll job's requests are counted and dropped.
const engineFactory: SyncEngineFactory = async (context) => {
  const engine = await defaultSyncEngine(context);
  requester = engine.syncRequester;
  return {
    ...engine,
    syncRequester: {
      requestSync: () => {
        jobRequests += 1;
        return Promise.resolve({ runId: 'dropped' });
      },
    },
  };
};
const config = loadConfig({
  NODE_ENV: 'test',
  MONGODB_URI: 'mongodb://unused.invalid/hub',
  ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  AUTH_JWT_SECRET: randomBytes(32).toString('hex'),
  PORT: '0',
  ENTRA_AUTHORITY_HOST: emulator.authorityHost,
  GRAPH_BASE_URL: emulator.graphBaseUrl,
  ENTRA_CA_FILE: await emulator.writeCaFile(),
  SYNC_POLL_INTERVAL_MS: String(3_600_000),
  LOG_LEVEL: 'silent',
});
const rt = await startHubRuntime({
  config,
  logger,
  connection,
  syncEngine: engineFactory,
  port: 0,
  defaultMetrics: false,
});
const runs = observer.db!.collection('sync_runs');
const finishedCount = () => runs.countDocuments({ status: { $in: FINAL } });
async function waitFinished(total: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while ((await finishedCount()) < total) {
    if (Date.now() > deadline) throw new Error(`runs did not finish (${total} expected)`);
    await sleep(10);
  }
}
const poll = (id: string) => requester!.requestSync(id, SyncTrigger.POLL);

try {
  const tenants = Array.from({ length: Math.ceil(CONNECTORS / 10) }, () => seedTenant(emulator));
  const { Company, Connector } = rt.hub.models;
  const box = new SecretBox(rt.config.encryption.keys);
  const ids = await insertActiveConnectors({ Company, Connector, box, tenants, count: CONNECTORS });
  // Warm-up: each connector's first run is a full sync that stores its deltaLinks.
  let total = 0;
  const warmStarted = performance.now();
  for (const id of ids) await poll(id);
  total += ids.length;
  await waitFinished(total, 600_000);
  const warmMs = performance.now() - warmStarted;

  // 1. sequential idle runs, then an equally long quiet period for the background.
  commands.take();
  commands.ms.clear();
  let counters = emulator.control.counters();
  const runMs: number[] = [];
  const seqStarted = performance.now();
  for (let i = 0; i < SEQUENTIAL; i++) {
    const t0 = performance.now();
    await poll(ids[i % ids.length]!);
    total += 1;
    await waitFinished(total, 60_000);
    runMs.push(performance.now() - t0);
  }
  const seqMs = performance.now() - seqStarted;
  const active = commands.take();
  const dbMs: Record<string, number> = {};
  for (const [key, ms] of commands.ms) dbMs[key] = Math.round(ms / SEQUENTIAL);
  const after = emulator.control.counters();
  const graphRequests = (after.requests - counters.requests) / SEQUENTIAL;
  const tokens = (after.tokensIssued - counters.tokensIssued) / SEQUENTIAL;
  const byRoute: Record<string, number> = {};
  for (const [route, n] of Object.entries(after.requestsByRoute)) {
    const diff = n - (counters.requestsByRoute[route] ?? 0);
    if (diff > 0) byRoute[route] = diff / SEQUENTIAL;
  }
  await sleep(seqMs);
  const quiet = commands.take();
  const perRun: Record<string, number> = {};
  let dbPerRun = 0;
  for (const [key, n] of active) {
    const net = (n - (quiet.get(key) ?? 0)) / SEQUENTIAL;
    if (net <= 0.05) continue;
    perRun[key] = Number(net.toFixed(2));
    dbPerRun += net;
  }
  const background: Record<string, number> = Object.fromEntries(quiet);

  if (process.env['BENCH_IDLE_SKIP_BURST']) ids.length = 0;
  // 2. throughput: every connector at once.
  counters = emulator.control.counters();
  commands.take();
  const burstStarted = performance.now();
  await Promise.all(ids.map((id) => poll(id)));
  total += ids.length;
  await waitFinished(total, 600_000);
  const burstMs = performance.now() - burstStarted;
  const burstCommands = [...commands.take().values()].reduce((a, b) => a + b, 0);
  const burstCounters = emulator.control.counters();
  const failed = await runs.countDocuments({ status: { $ne: 'SUCCEEDED' } });

  const figures = {
    connectors: CONNECTORS,
    machine: { cpus: cpus().length, loadAverage1m: Number(loadavg()[0]!.toFixed(2)) },
    warmUpFullSyncsMs: Math.round(warmMs),
    sequential: {
      runs: SEQUENTIAL,
      runMedianMs: Math.round(median(runMs)),
      dbCommandsPerRun: Number(dbPerRun.toFixed(1)),
      dbCommandsPerRunByKind: perRun,
      dbMsPerRunByKind: dbMs,
      graphRequestsPerRun: graphRequests,
      tokensIssuedPerRun: tokens,
      requestsPerRunByRoute: byRoute,
      backgroundCommandsOverSameTime: background,
    },
    throughput: {
      runs: CONNECTORS,
      elapsedMs: Math.round(burstMs),
      runsPerSecond: Number(((CONNECTORS * 1000) / burstMs).toFixed(1)),
      dbCommandsPerRun: Number((burstCommands / CONNECTORS).toFixed(1)),
      graphRequestsPerRun: (burstCounters.requests - counters.requests) / CONNECTORS,
      tokensIssuedPerRun: (burstCounters.tokensIssued - counters.tokensIssued) / CONNECTORS,
    },
    notSucceeded: failed,
    pollJobRequestsDropped: jobRequests,
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await rt.stop();
  await observer.dropDatabase().catch(() => undefined);
  await observer.close();
  await connection.close();
  await emulator.stop();
  await handle.stop();
}
