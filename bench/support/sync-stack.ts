/**
 * The sync engine alone on a fresh database, for bench/sync.bench.ts and bench/scale.bench.ts:
 * the composition root's infrastructure and engine (no HTTP, no jobs), one connector on a tenant
 * the emulator child seeded, runs timed from the request to their final status as the engine
 * publishes it (no polling), and the peak RSS of this process sampled meanwhile.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose, { Types, type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import { secretPurpose } from '../../src/connectors/connector-credentials.js';
import { installKeyFor } from '../../src/db/models/connector.model.js';
import type { SyncRunDoc } from '../../src/db/models/sync-run.model.js';
import { withDatabase } from '../../src/db/provision/mongo-server.js';
import { ConnectorKind, ConnectorStatus, type SyncTrigger } from '../../src/domain/connector.js';
import { FINISHED_STATUSES, SyncRunStatus } from '../../src/domain/sync-run.js';
import { DEFAULT_SYNC_RULES } from '../../src/domain/sync-rules.js';
import { InMemoryLiveEvents, LiveTopic } from '../../src/events/live-events.js';
import { memoryFacts } from '../../src/observability/heap-budget.js';
import { buildEngine } from '../../src/runtime/engine.js';
import { buildInfrastructure, type Infrastructure } from '../../src/runtime/infrastructure.js';
import type { SyncEngine } from '../../src/sync/create-sync-engine.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface SeededTenant {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  syncGroupId: string;
  groupIds: string[];
  authorityHost: string;
  graphBaseUrl: string;
  caFile: string;
  generateMs: number;
}

/** The emulator in a child process, so this process's RSS is the hub's alone. */
export class EmulatorChild {
  private constructor(private readonly child: ChildProcess) {}

  static async start(maxOldSpaceMb = 4_096): Promise<EmulatorChild> {
    const child = fork(path.join(here, 'sync-emulator.child.js'), [], {
      execArgv: [`--max-old-space-size=${maxOldSpaceMb}`],
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

  seed(users: number, groups: number, syncMembers: number, membershipsPerUser?: number) {
    return this.call<SeededTenant>({ cmd: 'seed', users, groups, syncMembers, membershipsPerUser });
  }

  /** A third renamed, a third leave the sync group, a third join it. */
  mutate(tenant: SeededTenant, changes: number): Promise<unknown> {
    return this.call({
      cmd: 'mutate',
      tenantId: tenant.tenantId,
      syncGroupId: tenant.syncGroupId,
      changes,
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

export interface SyncStack {
  infra: Infrastructure;
  engine: SyncEngine;
  connectorId: string;
  /** Requests a run and resolves when it has finished; throws unless it SUCCEEDED. */
  timedRun(trigger: SyncTrigger): Promise<{ ms: number; run: SyncRunDoc }>;
  /** The one-minute poll's idle check of the connector. */
  timedProbe(): Promise<{ ms: number; kind: string }>;
  close(): Promise<void>;
}

/** An active connector on `groupIds` of the tenant, and the engine started on it. */
export async function startSyncStack(
  serverUri: string,
  tenant: SeededTenant,
  groupIds: string[],
  logger: Logger,
): Promise<SyncStack> {
  const connection: Connection = await mongoose
    .createConnection(withDatabase(serverUri, `bench_sync_${randomUUID().slice(0, 8)}`))
    .asPromise();
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: serverUri,
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: 'bench-7f3a9c1e5b2d8f4a6c0e9b3d7a1f5c2e',
    ENTRA_AUTHORITY_HOST: tenant.authorityHost,
    GRAPH_BASE_URL: tenant.graphBaseUrl,
    ENTRA_CA_FILE: tenant.caFile,
    LOG_LEVEL: 'silent',
  });
  const live = new InMemoryLiveEvents();
  const infra = await buildInfrastructure({
    config,
    connection,
    logger,
    live,
    upkeep: { subscriptionsNeedAttention: () => Promise.resolve() },
  });
  const connectorId = await createConnector(infra, tenant, groupIds);
  const engine = await buildEngine(infra, {
    maxConcurrentRuns: 4,
    lockTtlMs: 60_000,
    queuePollMs: 5_000,
  });
  await engine.start();
  const finished = new Map<string, (run: SyncRunDoc) => void>();
  const events = live.subscribe(LiveTopic.SYNC_RUN_UPDATED, (e) => e.connectorId === connectorId);
  void (async () => {
    for await (const event of events) {
      const done = finished.get(event.runId);
      if (!done) continue;
      const run = await engine.models.SyncRun.findById(event.runId).lean<SyncRunDoc>();
      if (run && FINISHED_STATUSES.includes(run.status)) done(run);
    }
  })();
  return {
    infra,
    engine,
    connectorId,
    async timedRun(trigger) {
      const started = performance.now();
      let resolve!: (run: SyncRunDoc) => void;
      const done = new Promise<SyncRunDoc>((r) => (resolve = r));
      const { runId } = await engine.syncRequester.requestSync(connectorId, trigger);
      finished.set(runId, resolve);
      // The run may have finished before the waiter was set: look once.
      const already = await engine.models.SyncRun.findById(runId).lean<SyncRunDoc>();
      if (already && FINISHED_STATUSES.includes(already.status)) resolve(already);
      const run = await done;
      const ms = performance.now() - started;
      finished.delete(runId);
      if (run.status !== SyncRunStatus.SUCCEEDED) {
        throw new Error(`run ended ${run.status}: ${JSON.stringify(run.error ?? run.notes)}`);
      }
      return { ms, run };
    },
    async timedProbe() {
      const started = performance.now();
      const result = await engine.poller.poll(connectorId);
      return { ms: performance.now() - started, kind: result.kind };
    },
    async close() {
      await events.return?.();
      await engine.stop();
      await live.close();
      await infra.close();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    },
  };
}

async function createConnector(
  infra: Infrastructure,
  tenant: SeededTenant,
  groupIds: string[],
): Promise<string> {
  const company = await infra.models.Company.create({
    partnerId: 'bench',
    name: 'Bench',
    seatLimit: null,
  });
  const id = new Types.ObjectId();
  const connectorId = id.toHexString();
  await infra.models.Connector.create({
    _id: id,
    companyId: company._id,
    partnerId: 'bench',
    kind: ConnectorKind.AZURE_AD,
    installKey: installKeyFor(company._id, ConnectorKind.AZURE_AD),
    name: 'Entra',
    status: ConnectorStatus.CONNECTED,
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    clientSecret: infra.secretBox.seal(tenant.clientSecret, secretPurpose(connectorId)),
    verifiedAt: new Date(),
    syncGroupId: tenant.syncGroupId,
    syncGroupName: 'Password Boss Users',
    syncedGroups: groupIds.map((groupId) => ({ id: groupId, name: groupId })),
    // The 100-change runs remove about 33 users: above the default guard, which is not measured.
    syncRules: { ...DEFAULT_SYNC_RULES, massChangeThresholdAbsolute: 1_000 },
    activatedAt: new Date(),
    enabled: true,
    authTokenHash: `bench-${connectorId}`,
  });
  return connectorId;
}

/**
 * This process's V8 heap limit in MB: how far V8 lets garbage grow before it must collect, so
 * the peak RSS depends on it. `npm run bench:sync` and `bench:scale` set the image's budget.
 */
export function heapLimitMb(): number {
  return Math.round(memoryFacts().heapLimitBytes / 1_048_576);
}

/** Peak RSS of this process while `work` runs, sampled every 25 ms. */
export async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  try {
    const result = await work();
    return { result, peakMb: Math.round(peak / 1_048_576) };
  } finally {
    clearInterval(sampler);
  }
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
