import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { connectDatabase } from '../db/connection.js';
import { EventBusLiveEvents } from '../events/event-bus-live-events.js';
import { type AgendaNotificationScheduler } from '../jobs/notification-scheduler.js';
import { releaseOrphanedLocksAfterOutages } from '../jobs/orphaned-locks.js';
import type { RealtimeJobs } from '../jobs/register-jobs.js';
import { shutdownScheduler } from '../jobs/shutdown.js';
import { heapBudgetProblem, memoryFacts } from '../observability/heap-budget.js';
import type { Operability } from '../observability/operability.js';
import type { RunningHubServer } from '../server/hub-server.js';
import type { GraphSubscriptionService } from '../webhooks/graph-subscription.service.js';
import type { WebhookStats } from '../webhooks/webhook-stats.js';
import { buildApi, listenApi, type Api } from './api.js';
import { buildEngine, enginePorts, type EnginePorts } from './engine.js';
import { buildInfrastructure, prepareDatabase, type Infrastructure } from './infrastructure.js';
import type { RuntimeOverrides } from './overrides.js';
import { startRealtime } from './realtime.js';
import { createScheduling, startBus, type EventBus } from './scheduling.js';
import type { SyncEngine } from '../sync/create-sync-engine.js';
import type { RuntimeTuning } from './tuning.js';

export type { RuntimeTuning };

/** Tests and benches may replace a few seams (RuntimeOverrides); production sets none. */
export interface HubRuntimeOptions extends RuntimeOverrides {
  config: Readonly<Config>;
  logger: Logger;
  /** Default: a connection to `config.mongodbUri`, closed on stop. A given one is the caller's. */
  connection?: Connection;
  /** Unique per process (Agenda releases this instance's locks by it at shutdown). */
  instanceName?: string;
  /** Overrides `config.http.port` (0 = any free port). */
  port?: number;
  tuning?: RuntimeTuning;
  /**
   * False: the engine's run queue is not drained here (a recording stand-in takes the requests,
   * or another instance runs them). Default true.
   */
  startEngine?: boolean;
  /** Register prom-client's process metrics (default true; false for extra in-process hubs). */
  defaultMetrics?: boolean;
}

export interface HubRuntime {
  config: Readonly<Config>;
  instanceName: string;
  infra: Infrastructure;
  engine: SyncEngine;
  /** What the API, the jobs and the receiver were given of the engine. */
  ports: EnginePorts;
  api: Api;
  server: RunningHubServer;
  /** `http://host:port` as bound. */
  url: string;
  bus: EventBus;
  /** The live events on the bus (also `infra.live`), with the hooks on this instance's publishes. */
  live: EventBusLiveEvents;
  agenda: Agenda;
  jobs: RealtimeJobs;
  subscriptions: GraphSubscriptionService;
  webhookStats: WebhookStats;
  ops: Operability;
  /** Graceful: HTTP, then Agenda (drain + lock release), engine, bus, database. */
  stop(): Promise<void>;
}

/**
 * The whole running service, built once and in one direction: database -> event bus and
 * scheduler -> infrastructure (models, live events, Microsoft clients, registry) -> sync engine ->
 * API services -> Graph subscriptions, receiver and jobs -> HTTP -> Agenda. Nothing is bound late.
 * src/main.ts is this plus signal handling; tests start several in one process.
 */
export async function startHubRuntime(options: HubRuntimeOptions): Promise<HubRuntime> {
  const ownsConnection = options.connection === undefined;
  const connection =
    options.connection ??
    (await connectDatabase({
      uri: options.config.mongodbUri,
      autoIndex: options.config.mongodbAutoMigrate,
    }));
  // Undone in reverse order when a later step fails, so a failed start leaves nothing running.
  const cleanup: (() => Promise<unknown>)[] = [];
  if (ownsConnection) cleanup.push(() => connection.close());
  try {
    await prepareDatabase(options.config, connection, options.logger);
    return await compose(options, connection, ownsConnection, cleanup);
  } catch (error) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw error;
  }
}

async function compose(
  options: HubRuntimeOptions,
  connection: Connection,
  ownsConnection: boolean,
  cleanup: (() => Promise<unknown>)[],
): Promise<HubRuntime> {
  const { config, logger } = options;
  const tuning = options.tuning ?? {};
  const instanceName = options.instanceName ?? defaultInstanceName();
  const db = connection.db!;
  const bus = await startBus(config, db, logger, tuning);
  cleanup.unshift(() => bus.close());
  const scheduling = createScheduling(config, db, bus, instanceName, logger, tuning);
  const { agenda, scheduler } = scheduling;
  cleanup.unshift(() => Promise.resolve(scheduler.close()));

  const live = new EventBusLiveEvents(bus);
  // config, logger and a registry override come from the options as given.
  const infra = await buildInfrastructure({ ...options, connection, live, upkeep: scheduler });
  cleanup.unshift(() => infra.close());
  const engine = await buildEngine(infra, tuning.engine);
  if (options.startEngine !== false) {
    await engine.start();
    cleanup.unshift(() => engine.stop());
  }
  const ports = enginePorts(engine, options.engine);
  const api = await buildApi(infra, ports, scheduler, tuning.outbound);
  const realtime = await startRealtime({
    infra,
    ports,
    agenda,
    bus,
    scheduler,
    noticeActivity: scheduling.noticeActivity,
    tuning,
    defaultMetrics: options.defaultMetrics ?? true,
    graphSubscriptions: options.graphSubscriptions,
  });
  cleanup.unshift(() => realtime.ops.close());
  const { server, stopLockRecovery } = await serve(options, infra, api, realtime, agenda, cleanup);
  api.outbound.start();
  cleanup.unshift(() => api.outbound.stop());
  logStarted(logger, config, server.url, instanceName);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    stopRuntime({
      server,
      stopLockRecovery,
      scheduler,
      agenda,
      db,
      engine,
      outbound: api.outbound,
      ops: realtime.ops,
      live,
      infra,
      bus,
      connection: ownsConnection ? connection : null,
      drainTimeoutMs: tuning.drainTimeoutMs ?? 25_000,
      logger,
    });
  return {
    config,
    instanceName,
    infra,
    engine,
    ports,
    api,
    server,
    url: server.url,
    bus,
    live,
    agenda,
    jobs: realtime.jobs,
    subscriptions: realtime.subscriptions,
    webhookStats: realtime.webhookStats,
    ops: realtime.ops,
    stop: () => (stopping ??= stop()),
  };
}

/** HTTP first (Graph's validation handshake must be answered before a job subscribes), then jobs. */
async function serve(
  options: HubRuntimeOptions,
  infra: Infrastructure,
  api: Api,
  realtime: Awaited<ReturnType<typeof startRealtime>>,
  agenda: Agenda,
  cleanup: (() => Promise<unknown>)[],
) {
  const server = await listenApi(infra, api, {
    ...(options.port === undefined ? {} : { port: options.port }),
    handlers: realtime.handlers,
    readiness: realtime.ops.readiness,
  });
  cleanup.unshift(() => server.close());
  await agenda.start();
  const stopLockRecovery = releaseOrphanedLocksAfterOutages({
    client: infra.connection.getClient(),
    agenda,
    db: infra.connection.db!,
    settleMs: options.tuning?.lockRecoverySettleMs ?? 10_000,
    logger: infra.logger,
  });
  return { server, stopLockRecovery };
}

function logStarted(logger: Logger, config: Readonly<Config>, url: string, instanceName: string) {
  const webhooks = config.http.publicBaseUrl !== undefined;
  logger.info(
    {
      url,
      instanceName,
      pubsub: config.pubsub.mode,
      realtime: webhooks ? 'WEBHOOKS' : 'POLLING_ONLY',
      pollIntervalMs: config.sync.pollIntervalMs,
    },
    webhooks
      ? 'hub runtime started: Graph notifications and polling'
      : 'hub runtime started: polling only (PUBLIC_BASE_URL is not set)',
  );
  const memory = memoryFacts();
  const problem = heapBudgetProblem(memory);
  if (problem) logger.warn(memory, problem);
}

function defaultInstanceName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Graceful: stop taking requests first (Graph redelivers what it could not hand over), then let
 * running jobs finish and release what this instance holds, then close the rest.
 */
async function stopRuntime(parts: {
  server: RunningHubServer;
  stopLockRecovery: () => void;
  scheduler: AgendaNotificationScheduler;
  agenda: Agenda;
  db: NonNullable<Connection['db']>;
  engine: SyncEngine;
  outbound: Api['outbound'];
  ops: Operability;
  live: EventBusLiveEvents;
  infra: Infrastructure;
  bus: EventBus;
  /** Closed only when the runtime opened it. */
  connection: Connection | null;
  drainTimeoutMs: number;
  logger: Logger;
}): Promise<void> {
  await parts.server.close();
  parts.stopLockRecovery();
  parts.scheduler.close();
  const drainStarted = Date.now();
  const drained = await shutdownScheduler(parts.agenda, {
    db: parts.db,
    drainTimeoutMs: parts.drainTimeoutMs,
  });
  parts.logger.info({ ...drained, ms: Date.now() - drainStarted }, 'scheduler drained');
  await parts.outbound.stop();
  await parts.engine.stop();
  await parts.ops.close();
  await parts.live.close();
  await parts.infra.close();
  await parts.bus.close();
  await parts.connection?.close();
}
