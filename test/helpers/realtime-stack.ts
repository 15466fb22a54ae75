import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { EventBus } from '../../src/events/event-bus.js';
import { MongoEventBus } from '../../src/events/mongo-event-bus.js';
import { AgendaWakeupChannel } from '../../src/jobs/agenda-wakeup-channel.js';
import { AgendaNotificationScheduler } from '../../src/jobs/notification-scheduler.js';
import {
  registerRealtimeJobs,
  type RealtimeJobs,
  type RealtimeJobTiming,
} from '../../src/jobs/register-jobs.js';
import { agendaJobExists, createScheduler } from '../../src/jobs/scheduler.js';
import { GraphSubscriptionsApi } from '../../src/integrations/entra/subscriptions.js';
import { createGraphSubscriptionService } from '../../src/webhooks/create-graph-subscription-service.js';
import { NoticeActivity } from '../../src/webhooks/notice-activity.js';
import type { GraphSubscriptionService } from '../../src/webhooks/graph-subscription.service.js';
import { createGraphWebhookReceiver } from '../../src/webhooks/webhook-receiver.js';
import type { WebhookStats } from '../../src/webhooks/webhook-stats.js';
import type { FakeGraph } from './fake-graph.js';
import type { FakeRegistry } from './fake-registry.js';
import { serveRouter } from './http.js';
import type { RecordingSyncRequester } from './recording-sync.js';

export interface StackOptions {
  connection: Connection;
  instanceName: string;
  registry: FakeRegistry;
  syncRequester: RecordingSyncRequester;
  graph: FakeGraph;
  logger: Logger;
  timing?: Partial<RealtimeJobTiming>;
  pollIntervalMs?: number;
  /** Serve the receiver and use its URL as PUBLIC_BASE_URL. */
  webhooks?: boolean;
}

export interface Stack {
  agenda: Agenda;
  bus: EventBus;
  jobs: RealtimeJobs;
  subscriptions: GraphSubscriptionService;
  stats: WebhookStats;
  baseUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * One hub instance's real-time layer, wired the way src/main.ts will: event bus, Agenda with the
 * bus as its notification channel, receiver over HTTP, subscription service, every job.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { connection, logger } = options;
  const db = connection.db!;
  const bus = await MongoEventBus.start({
    db,
    cappedBytes: 1_048_576,
    logger,
    maxAwaitTimeMs: 300,
  });
  const agenda = createScheduler({
    db,
    instanceName: options.instanceName,
    processEveryMs: 200,
    defaultLockLifetimeMs: 30_000,
    notificationChannel: new AgendaWakeupChannel(bus),
  });
  // Wired as src/runtime/start-hub-runtime.ts wires them.
  const activity = new NoticeActivity();
  const scheduler = new AgendaNotificationScheduler(agenda, logger, {
    coalesceMs: 100,
    activity,
    jobExists: agendaJobExists(db),
  });
  const receiver = createGraphWebhookReceiver({
    connection,
    scheduler,
    activity,
    logger,
    maxBodyBytes: 1_048_576,
  });
  const server = options.webhooks ? await serveRouter(receiver.router) : undefined;
  const subscriptions = createGraphSubscriptionService({
    connection,
    registry: options.registry,
    graphFor: () => new GraphSubscriptionsApi(options.graph.client()),
    publicBaseUrl: server?.baseUrl,
    lifetimeMinutes: 41_000,
    scheduler,
    logger,
  });
  const jobs = await registerRealtimeJobs({
    agenda,
    connection,
    registry: options.registry,
    syncRequester: options.syncRequester,
    noticeActivity: activity,
    subscriptions,
    secretExpiry: { listClientSecretsExpiringBefore: () => Promise.resolve([]) },
    runRetention: { deleteRunsOlderThan: () => Promise.resolve(0) },
    events: bus,
    sync: {
      pollIntervalMs: options.pollIntervalMs ?? 3_600_000,
      reconcileIntervalMs: 30 * 86_400_000,
      runRetentionDays: 90,
    },
    logger,
    timing: { settleMs: 100, maxSettleMs: 1_000, lockLifetimeMs: 4_000, ...options.timing },
  });
  await agenda.start();
  return {
    agenda,
    bus,
    jobs,
    subscriptions,
    stats: receiver.stats,
    baseUrl: server?.baseUrl,
    async stop() {
      scheduler.close();
      await agenda.stop(false);
      await server?.close();
      await bus.close();
    },
  };
}
