/**
 * `npm run bench:sync`: sync engine figures, printed as a table and as JSON (bench/results/sync.json).
 * Never pass/fail: medians over BENCH_RUNS runs (default 3; BENCH_RUNS_100K, default 2, for the
 * 100,000-user sync) on whatever database the tests use (MONGODB_URI, else mongodb-memory-server,
 * else FerretDB). The emulator runs in a child process so the RSS figure is the hub's alone.
 *
 *   1. 10,000-user sync group + 200 selected groups: initial full sync, idle delta (time and
 *      Graph requests), a 100-change delta (renames, leavers, joiners);
 *   2. 100,000-user sync group: full sync time and the hub process's peak RSS.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose, { Types, type Connection } from 'mongoose';
import { pino } from 'pino';
import { loadConfig, loadProvisionConfig } from '../src/config.js';
import { secretPurpose } from '../src/connectors/connector-credentials.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { installKeyFor } from '../src/db/models/connector.model.js';
import { type SyncRunDoc } from '../src/db/models/sync-run.model.js';
import { withDatabase } from '../src/db/provision/mongo-server.js';
import { provisionMongo } from '../src/db/provision/provision.js';
import { ConnectorStatus, SyncTrigger, ConnectorKind } from '../src/domain/connector.js';
import { DEFAULT_SYNC_RULES } from '../src/domain/sync-rules.js';
import { createHub } from '../src/hub.js';
import { createSyncEngine, type SyncEngine } from '../src/sync/create-sync-engine.js';
import { SyncRunStatus } from '../src/domain/sync-run.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const RUNS_100K = Number(process.env['BENCH_RUNS_100K'] ?? 2);
const USERS_10K = Number(process.env['BENCH_USERS_SMALL'] ?? 10_000);
const progress = (line: string) => process.stderr.write(`[bench:sync] ${line}\n`);
const USERS_100K = Number(process.env['BENCH_USERS_LARGE'] ?? 100_000);
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' }, pino.destination(2));
const here = path.dirname(fileURLToPath(import.meta.url));

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

interface SeededTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  syncGroupId: string;
  groupIds: string[];
  authorityHost: string;
  graphBaseUrl: string;
  caFile: string;
}

class EmulatorChild {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<EmulatorChild> {
    const child = fork(path.join(here, 'support', 'sync-emulator.child.js'), [], {
      execArgv: ['--max-old-space-size=4096'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    await new Promise((resolve) => child.once('message', resolve));
    return new EmulatorChild(child);
  }

  call<T>(message: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (reply: T & { error?: string }) =>
        reply.error ? reject(new Error(reply.error)) : resolve(reply),
      );
      this.child.send(message);
    });
  }

  async graphRequests(): Promise<number> {
    return (await this.call<{ total: number }>({ cmd: 'graphRequests' })).total;
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'stop' });
    await exited;
  }
}

interface Stack {
  engine: SyncEngine;
  connectorId: string;
  close(): Promise<void>;
}

async function startStack(
  serverUri: string,
  tenant: SeededTenant,
  groupIds: string[],
): Promise<Stack> {
  const connection: Connection = await mongoose
    .createConnection(withDatabase(serverUri, `bench_sync_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: serverUri,
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
    ENTRA_AUTHORITY_HOST: tenant.authorityHost,
    GRAPH_BASE_URL: tenant.graphBaseUrl,
    ENTRA_CA_FILE: tenant.caFile,
    LOG_LEVEL: 'silent',
  });
  const noop = { requestSync: () => Promise.resolve({ runId: 'none' }) };
  const release = { releaseConnectorUsers: () => Promise.resolve({ released: 0 }) };
  const hub = await createHub(
    config,
    connection,
    { syncRequester: noop, directoryReleaser: release },
    logger,
  );
  const company = await hub.models.Company.create({
    partnerId: 'bench',
    name: 'Bench',
    seatLimit: null,
  });
  const connectorObjectId = new Types.ObjectId();
  const connectorId = connectorObjectId.toHexString();
  await hub.models.Connector.create({
    _id: connectorObjectId,
    companyId: company._id,
    partnerId: 'bench',
    kind: ConnectorKind.AZURE_AD,
    installKey: installKeyFor(company._id, ConnectorKind.AZURE_AD),
    name: 'Entra',
    status: ConnectorStatus.WAITING_FOR_CONNECTION,
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    clientSecret: new SecretBox(config.encryption.keys).seal(
      tenant.clientSecret,
      secretPurpose(connectorId),
    ),
    verifiedAt: new Date(),
    syncGroupId: tenant.syncGroupId,
    syncGroupName: 'Password Boss Users',
    syncedGroups: groupIds.map((id) => ({ id, name: id })),
    syncRules: { ...DEFAULT_SYNC_RULES, massChangeThresholdAbsolute: 1_000 },
    activatedAt: new Date(),
    enabled: true,
    authTokenHash: `bench-${connectorId}`,
  });
  const engine = await createSyncEngine({
    connection,
    Connector: hub.models.Connector,
    Company: hub.models.Company,
    registry: hub.registry,
    entra: hub.entra,
    live: hub.live,
    logger,
    options: {
      graphMaxConcurrencyPerTenant: config.sync.graphMaxConcurrencyPerTenant,
      maxConcurrentRuns: 4,
      lockTtlMs: 60_000,
      queuePollMs: 5_000,
      retry: config.sync.graphRetry,
    },
  });
  await engine.start();
  return {
    engine,
    connectorId,
    async close() {
      await engine.stop();
      await hub.close();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

async function timedRun(
  stack: Stack,
  trigger: SyncTrigger,
): Promise<{ ms: number; run: SyncRunDoc }> {
  const started = performance.now();
  const { runId } = await stack.engine.syncRequester.requestSync(stack.connectorId, trigger);
  const run = await stack.engine.waitForRun(runId, 30 * 60_000);
  if (run.status !== SyncRunStatus.SUCCEEDED)
    throw new Error(`run ended ${run.status}: ${JSON.stringify(run.error ?? run.notes)}`);
  return { ms: performance.now() - started, run };
}

async function bench10k(serverUri: string, emulator: EmulatorChild) {
  const tenant = await emulator.call<SeededTenant>({
    cmd: 'seed',
    users: 12_000,
    groups: 200,
    syncMembers: USERS_10K,
  });
  const stack = await startStack(serverUri, tenant, tenant.groupIds.slice(0, 200));
  try {
    const initial = await timedRun(stack, SyncTrigger.INITIAL);
    progress(`initial: ${Math.round(initial.ms)} ms; idle delta`);
    const before = await emulator.graphRequests();
    const idle = await timedRun(stack, SyncTrigger.POLL);
    const idleRequests = (await emulator.graphRequests()) - before;
    await emulator.call({
      cmd: 'mutate',
      tenantId: tenant.tenantId,
      syncGroupId: tenant.syncGroupId,
      changes: 100,
    });
    progress('mutated; 100-change delta');
    const changed = await timedRun(stack, SyncTrigger.POLL);
    return {
      initialMs: initial.ms,
      initialGraphRequests: initial.run.graphRequests,
      usersCreated: initial.run.counts.usersCreated,
      groupsCreated: initial.run.counts.groupsCreated,
      idleDeltaMs: idle.ms,
      idleDeltaMode: idle.run.mode,
      idleDeltaGraphRequests: idleRequests,
      changeDeltaMs: changed.ms,
      changeDeltaMode: changed.run.mode,
      changeDeltaCounts: changed.run.counts,
    };
  } finally {
    await stack.close();
  }
}

async function bench100k(serverUri: string, emulator: EmulatorChild) {
  const tenant = await emulator.call<SeededTenant>({
    cmd: 'seed',
    users: USERS_100K,
    groups: 10,
    syncMembers: USERS_100K,
  });
  progress(`full sync of ${USERS_100K} users`);
  global.gc?.();
  const stack = await startStack(serverUri, tenant, []);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    const full = await timedRun(stack, SyncTrigger.INITIAL);
    return {
      fullMs: full.ms,
      usersCreated: full.run.counts.usersCreated,
      graphRequests: full.run.graphRequests,
      peakRssMb: peak / 1_048_576,
    };
  } finally {
    clearInterval(sampler);
    await stack.close();
  }
}

const handle = await provisionMongo({ ...loadProvisionConfig(process.env) });
const emulator = await EmulatorChild.start();
try {
  const small = [];
  for (let i = 0; i < RUNS; i++) small.push(await bench10k(handle.uri, emulator));
  const large = [];
  for (let i = 0; i < RUNS_100K; i++) large.push(await bench100k(handle.uri, emulator));
  const figures = {
    database: handle.provider,
    runs: RUNS,
    runs100k: RUNS_100K,
    syncGroup10k: {
      users: USERS_10K,
      selectedGroups: 200,
      initialFullSyncMs: round(median(small.map((r) => r.initialMs))),
      initialGraphRequests: median(small.map((r) => r.initialGraphRequests)),
      usersCreated: median(small.map((r) => r.usersCreated)),
      groupsCreated: median(small.map((r) => r.groupsCreated)),
      idleDeltaMs: round(median(small.map((r) => r.idleDeltaMs))),
      idleDeltaGraphRequests: median(small.map((r) => r.idleDeltaGraphRequests)),
      idleDeltaMode: small[0]?.idleDeltaMode,
      hundredChangeDeltaMs: round(median(small.map((r) => r.changeDeltaMs))),
      hundredChangeDeltaMode: small[0]?.changeDeltaMode,
      hundredChangeDeltaCounts: small[0]?.changeDeltaCounts,
    },
    syncGroup100k: {
      users: USERS_100K,
      fullSyncMs: round(median(large.map((r) => r.fullMs))),
      usersCreated: median(large.map((r) => r.usersCreated)),
      graphRequests: median(large.map((r) => r.graphRequests)),
      peakRssMb: round(median(large.map((r) => r.peakRssMb))),
    },
    targets: { initial10kMs: 30_000, full100kMs: 300_000, peakRssMb: 512, idleDeltaRequests: 2 },
  };
  const s = figures.syncGroup10k;
  const l = figures.syncGroup100k;
  const rows: [string, string][] = [
    ['database', `${figures.database} (${RUNS} runs, ${RUNS_100K} for 100k; medians)`],
    [
      '10k initial full sync',
      `${s.initialFullSyncMs} ms (${s.usersCreated} users, ${s.groupsCreated} groups, ${s.initialGraphRequests} Graph requests; target < 30,000 ms)`,
    ],
    [
      '10k idle delta sync',
      `${s.idleDeltaMs} ms, ${s.idleDeltaGraphRequests} Graph requests (target <= 2)`,
    ],
    ['10k 100-change delta sync', `${s.hundredChangeDeltaMs} ms (${s.hundredChangeDeltaMode})`],
    [
      `${l.users / 1000}k full sync`,
      `${l.fullSyncMs} ms (${l.usersCreated} users, ${l.graphRequests} Graph requests; target < 300,000 ms)`,
    ],
    [`${l.users / 1000}k peak RSS (hub process)`, `${l.peakRssMb} MB (target < 512 MB)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('\nSync engine benchmark');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(`\n${JSON.stringify(figures, null, 2)}`);
  const out = path.join(here, '..', '..', 'bench', 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'sync.json'), `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  await emulator.stop();
  await handle.stop();
}
