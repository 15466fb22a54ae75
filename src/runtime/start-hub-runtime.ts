import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { SecretBox } from '../crypto/secret-box.js';
import { connectDatabase } from '../db/connection.js';
import type { EventBus } from '../events/event-bus.js';
import { MemoryEventBus } from '../events/memory-event-bus.js';
import { MongoEventBus } from '../events/mongo-event-bus.js';
import { createHub, type Hub } from '../hub.js';
import { createOperability, type Operability } from '../observability/operability.js';
import { GraphSubscriptionsApi } from '../integrations/entra/subscriptions.js';
import { AgendaWakeupChannel } from '../jobs/agenda-wakeup-channel.js';
import { AgendaNotificationScheduler } from '../jobs/notification-scheduler.js';
import {
  registerRealtimeJobs,
  type RealtimeJobs,
  type RealtimeJobTiming,
} from '../jobs/register-jobs.js';
import { pollTickMs } from '../jobs/poll-connectors.job.js';
import { releaseOrphanedLocksAfterOutages } from '../jobs/orphaned-locks.js';
import { agendaJobExists, createScheduler } from '../jobs/scheduler.js';
import { shutdownScheduler } from '../jobs/shutdown.js';
import type { RunningHubServer } from '../server/hub-server.js';
import { createGraphSubscriptionService } from '../webhooks/create-graph-subscription-service.js';
import { NoticeActivity } from '../webhooks/notice-activity.js';
import type { GraphSubscriptionService } from '../webhooks/graph-subscription.service.js';
import { createGraphWebhookReceiver } from '../webhooks/webhook-receiver.js';
import type { WebhookStats } from '../webhooks/webhook-stats.js';
import { ConnectorSecretExpirySource } from './connector-secret-expiry.js';
import { inactiveCredentialsLoader } from './inactive-credentials.js';
import { LateBoundSyncPorts } from './late-bound-ports.js';
import { EventBusLiveEvents } from '../events/event-bus-live-events.js';
import { defaultSyncEngine } from './default-sync-engine.js';
import { watchStatusForSubscriptionUpkeep, withSubscriptionUpkeep } from './subscription-upkeep.js';
import type { SyncEngineFactory, SyncEnginePorts } from './sync-engine.port.js';

/** Knobs production leaves at their defaults; tests and benchmarks shorten them. */
export interface RuntimeTuning {
  /** How often Agenda scans for due jobs (the bus wakes it for queued ones). Default: 5 s or the poll tick. */
  processEveryMs?: number;
  /** A job whose lock is older than this may run elsewhere (crashed instance). Default 10 min. */
  lockLifetimeMs?: number;
  /** In-process coalescing of the receiver's hand-offs per connector. Default 1 s. */
  coalesceMs?: number;
  /** How long one tailable getMore of the Mongo bus waits. Default 1 s. */
  busMaxAwaitMs?: number;
  /** Graceful shutdown: how long running jobs may finish before their locks are released. */
  drainTimeoutMs?: number;
  /**
   * After a database outage, how long to wait before releasing the job locks whose replies
   * were lost (longer than server selection plus a round trip). Default 10 s.
   */
  lockRecoverySettleMs?: number;
  /** Real-time job timings (sweep, settle, renew, ...). */
  jobs?: Partial<RealtimeJobTiming>;
}

export interface HubRuntimeOptions {
  config: Readonly<Config>;
  logger: Logger;
  /** Default: a connection to `config.mongodbUri`, closed on stop. A given one is the caller's. */
  connection?: Connection;
  /** Unique per process (Agenda releases this instance's locks by it at shutdown). */
  instanceName?: string;
  /** Default: src/sync's engine (a logging stand-in until it is merged). */
  syncEngine?: SyncEngineFactory;
  /** Overrides `config.http.port` (0 = any free port). */
  port?: number;
  tuning?: RuntimeTuning;
  /** Register prom-client's process metrics (default true; false for extra in-process hubs). */
  defaultMetrics?: boolean;
}

export interface HubRuntime {
  config: Readonly<Config>;
  instanceName: string;
  connection: Connection;
  hub: Hub;
  server: RunningHubServer;
  /** `http://host:port` as bound. */
  url: string;
  bus: EventBus;
  live: EventBusLiveEvents;
  agenda: Agenda;
  jobs: RealtimeJobs;
  subscriptions: GraphSubscriptionService;
  webhookStats: WebhookStats;
  ops: Operability;
  engine: SyncEnginePorts;
  /** Graceful: HTTP, then Agenda (drain + lock release), engine, hub, bus, database. */
  stop(): Promise<void>;
}

/**
 * The whole running service, wired: config -> database -> event bus -> live events on the bus ->
 * hub (services, GraphQL) -> sync engine -> subscriptions, receiver, jobs -> HTTP -> Agenda.
 * src/main.ts is this plus signal handling; tests start several in one process.
 */
export async function startHubRuntime(options: HubRuntimeOptions): Promise<HubRuntime> {
  const { config, logger } = options;
  const tuning = options.tuning ?? {};
  const instanceName = options.instanceName ?? defaultInstanceName();
  const ownsConnection = options.connection === undefined;
  const connection = options.connection ?? (await connectDatabase({ uri: config.mongodbUri }));
  const cleanup: (() => Promise<unknown>)[] = [];
  if (ownsConnection) cleanup.push(() => connection.close());
  try {
    const db = connection.db!;
    const bus: EventBus =
      config.pubsub.mode === 'mongo'
        ? await MongoEventBus.start({
            db,
            cappedBytes: config.pubsub.cappedBytes,
            logger: logger.child({ component: 'event-bus' }),
            ...(tuning.busMaxAwaitMs ? { maxAwaitTimeMs: tuning.busMaxAwaitMs } : {}),
          })
        : new MemoryEventBus();
    cleanup.unshift(() => bus.close());
    const live = new EventBusLiveEvents(bus);

    const agenda = createScheduler({
      db,
      instanceName,
      // Recurring ticks are found by scans only: scan at least as often as the poll ticks.
      processEveryMs:
        tuning.processEveryMs ?? Math.min(5_000, pollTickMs(config.sync.pollIntervalMs)),
      defaultLockLifetimeMs: tuning.lockLifetimeMs ?? 10 * 60_000,
      notificationChannel: new AgendaWakeupChannel(bus),
    });
    const noticeActivity = new NoticeActivity();
    const scheduler = new AgendaNotificationScheduler(agenda, logger, {
      ...(tuning.coalesceMs === undefined ? {} : { coalesceMs: tuning.coalesceMs }),
      activity: noticeActivity,
      jobExists: agendaJobExists(db),
    });
    cleanup.unshift(() => Promise.resolve(scheduler.close()));

    const ports = new LateBoundSyncPorts();
    const hub = await createHub(
      config,
      connection,
      {
        syncRequester: withSubscriptionUpkeep(ports.syncRequester, scheduler, logger),
        directoryReleaser: ports.directoryReleaser,
        live,
      },
      logger,
    );
    cleanup.unshift(() => hub.close());
    const engine = await (options.syncEngine ?? defaultSyncEngine)({
      config,
      connection,
      hub,
      logger,
    });
    ports.bind(engine);
    if (engine.close) cleanup.unshift(() => engine.close!());

    const subscriptions = createGraphSubscriptionService({
      connection,
      registry: hub.registry,
      graphFor: (credentials) => new GraphSubscriptionsApi(hub.entra.graphClient(credentials)),
      inactiveCredentials: inactiveCredentialsLoader(
        hub.models.Connector,
        new SecretBox(config.encryption.keys),
      ),
      publicBaseUrl: config.http.publicBaseUrl,
      lifetimeMinutes: config.realtime.subscriptionLifetimeMinutes,
      scheduler,
      logger,
    });
    watchStatusForSubscriptionUpkeep(live, scheduler, logger);
    const receiver = createGraphWebhookReceiver({
      connection,
      scheduler,
      activity: noticeActivity,
      logger,
      maxBodyBytes: config.realtime.webhookMaxBodyBytes,
    });
    const ops = createOperability({
      config,
      connection,
      logger,
      live,
      webhookStats: receiver.stats,
      scheduler: agenda,
      // Tests run several runtimes in one process: process-wide default metrics only once.
      defaultMetrics: options.defaultMetrics ?? true,
    });
    cleanup.unshift(() => ops.close());
    await ops.listen();
    const jobs = await registerRealtimeJobs({
      agenda,
      connection,
      registry: hub.registry,
      syncRequester: ports.syncRequester,
      ...(engine.syncActivity ? { syncActivity: engine.syncActivity } : {}),
      ...(engine.poller ? { poller: engine.poller } : {}),
      noticeActivity,
      subscriptions,
      secretExpiry: new ConnectorSecretExpirySource(hub.models.Connector),
      runRetention: engine.runRetention,
      events: bus,
      sync: config.sync,
      logger,
      timing: {
        ...(tuning.lockLifetimeMs ? { lockLifetimeMs: tuning.lockLifetimeMs } : {}),
        ...tuning.jobs,
      },
    });

    // The receiver must answer Graph's validation handshake before any job creates a subscription.
    const server = await hub.listen({
      ...(options.port === undefined ? {} : { port: options.port }),
      handlers: [ops.instrumentWebhooks(receiver.router), ...ops.handlers],
      readiness: ops.readiness,
    });
    cleanup.unshift(() => server.close());
    await agenda.start();
    const stopLockRecovery = releaseOrphanedLocksAfterOutages({
      client: connection.getClient(),
      agenda,
      db,
      settleMs: tuning.lockRecoverySettleMs ?? 10_000,
      logger,
    });
    logger.info(
      {
        url: server.url,
        instanceName,
        pubsub: config.pubsub.mode,
        realtime: config.http.publicBaseUrl ? 'WEBHOOKS' : 'POLLING_ONLY',
        pollIntervalMs: config.sync.pollIntervalMs,
      },
      config.http.publicBaseUrl
        ? 'hub runtime started: Graph notifications and polling'
        : 'hub runtime started: polling only (PUBLIC_BASE_URL is not set)',
    );

    let stopping: Promise<void> | undefined;
    const stop = async () => {
      // Stop taking requests first (Graph redelivers what it could not hand over), then let
      // running jobs finish and release what this instance holds, then close the rest.
      await server.close();
      stopLockRecovery();
      scheduler.close();
      const drainStarted = Date.now();
      const drained = await shutdownScheduler(agenda, {
        db,
        drainTimeoutMs: tuning.drainTimeoutMs ?? 25_000,
      });
      logger.info({ ...drained, ms: Date.now() - drainStarted }, 'scheduler drained');
      if (engine.close) await engine.close();
      await ops.close();
      await hub.close();
      await bus.close();
      if (ownsConnection) await connection.close();
    };
    return {
      config,
      instanceName,
      connection,
      hub,
      server,
      url: server.url,
      bus,
      live,
      agenda,
      jobs,
      subscriptions,
      webhookStats: receiver.stats,
      ops,
      engine,
      stop: () => (stopping ??= stop()),
    };
  } catch (error) {
    for (const step of cleanup) await step().catch(() => undefined);
    throw error;
  }
}

function defaultInstanceName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
