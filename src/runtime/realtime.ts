import type { Agenda } from 'agenda';
import { credentialsOf } from '../connectors/connector-credentials.js';
import type { ConnectorDoc } from '../db/models/connector.model.js';
import type { EventBus } from '../events/event-bus.js';
import { GraphSubscriptionsApi } from '../integrations/entra/subscriptions.js';
import type { AgendaNotificationScheduler } from '../jobs/notification-scheduler.js';
import { registerRealtimeJobs, type RealtimeJobs } from '../jobs/register-jobs.js';
import type { SecretExpirySource } from '../jobs/secret-expiry-warnings.job.js';
import { createOperability, type Operability } from '../observability/operability.js';
import type { PlainHandler } from '../server/http-app.js';
import { createGraphSubscriptionService } from '../webhooks/create-graph-subscription-service.js';
import type {
  GraphSubscriptionService,
  SubscriptionCredentials,
} from '../webhooks/graph-subscription.service.js';
import type { NoticeActivity } from '../webhooks/notice-activity.js';
import { createGraphWebhookReceiver } from '../webhooks/webhook-receiver.js';
import type { WebhookStats } from '../webhooks/webhook-stats.js';
import type { EnginePorts } from './engine.js';
import type { Infrastructure } from './infrastructure.js';
import type { GraphSubscriptionsFor } from './overrides.js';
import type { RuntimeTuning } from './tuning.js';

export interface RealtimeOptions {
  infra: Infrastructure;
  ports: EnginePorts;
  agenda: Agenda;
  bus: EventBus;
  scheduler: AgendaNotificationScheduler;
  noticeActivity: NoticeActivity;
  tuning: RuntimeTuning;
  defaultMetrics: boolean;
  /** Default: Microsoft Graph through the Entra clients (RuntimeOverrides). */
  graphSubscriptions?: GraphSubscriptionsFor | undefined;
}

export interface Realtime {
  subscriptions: GraphSubscriptionService;
  webhookStats: WebhookStats;
  ops: Operability;
  jobs: RealtimeJobs;
  /** Mounted before GraphQL: the instrumented webhook receiver, then metrics and the explorer. */
  handlers: PlainHandler[];
}

/**
 * The real-time layer on top of the engine: Graph change subscriptions, the webhook receiver,
 * operability (/metrics, readiness) and every Agenda job. Jobs are defined, not yet running:
 * Agenda starts once the HTTP server answers Graph's validation handshake.
 */
export async function startRealtime(options: RealtimeOptions): Promise<Realtime> {
  const { infra, ports, agenda, scheduler, tuning } = options;
  const { config, connection, logger, models } = infra;
  const subscriptions = createGraphSubscriptionService({
    connection,
    registry: infra.registry,
    graphFor:
      options.graphSubscriptions ??
      ((credentials) => new GraphSubscriptionsApi(infra.entra.graphClient(credentials))),
    inactiveCredentials: (connectorId) => inactiveCredentials(infra, connectorId),
    publicBaseUrl: config.http.publicBaseUrl,
    lifetimeMinutes: config.realtime.subscriptionLifetimeMinutes,
    scheduler,
    logger,
  });
  const receiver = createGraphWebhookReceiver({
    connection,
    scheduler,
    activity: options.noticeActivity,
    logger,
    maxBodyBytes: config.realtime.webhookMaxBodyBytes,
  });
  const ops = createOperability({
    config,
    connection,
    logger,
    live: infra.live,
    webhookStats: receiver.stats,
    scheduler: agenda,
    // Tests run several runtimes in one process: process-wide default metrics only once.
    defaultMetrics: options.defaultMetrics,
  });
  await ops.listen();
  const jobs = await registerRealtimeJobs({
    agenda,
    connection,
    registry: infra.registry,
    syncRequester: ports.syncRequester,
    ...(ports.syncActivity ? { syncActivity: ports.syncActivity } : {}),
    ...(ports.poller ? { poller: ports.poller } : {}),
    noticeActivity: options.noticeActivity,
    subscriptions,
    secretExpiry: secretExpirySource(models.Connector),
    runRetention: ports.runRetention,
    events: options.bus,
    sync: config.sync,
    logger,
    timing: {
      ...(tuning.lockLifetimeMs ? { lockLifetimeMs: tuning.lockLifetimeMs } : {}),
      ...tuning.jobs,
    },
  });
  return {
    subscriptions,
    webhookStats: receiver.stats,
    ops,
    jobs,
    handlers: [ops.instrumentWebhooks(receiver.router), ...ops.handlers],
  };
}

/**
 * Credentials of a connector the registry no longer hands out (disabled), so its subscriptions
 * are deleted at Graph rather than left to expire. Null when it has none (uninstalled).
 */
async function inactiveCredentials(
  infra: Infrastructure,
  connectorId: string,
): Promise<SubscriptionCredentials | null> {
  if (!/^[0-9a-f]{24}$/i.test(connectorId)) return null;
  const doc = await infra.models.Connector.findById(connectorId).lean<ConnectorDoc>();
  if (!doc?.tenantId || !doc.clientId || !doc.clientSecret) return null;
  try {
    return credentialsOf(doc, infra.secretBox);
  } catch {
    return null;
  }
}

/** Installed, enabled connectors whose client secret expires before the cutoff. */
function secretExpirySource(Connector: Infrastructure['models']['Connector']): SecretExpirySource {
  return {
    async listClientSecretsExpiringBefore(cutoff) {
      const docs = await Connector.find(
        {
          uninstalledAt: null,
          enabled: true,
          clientSecret: { $ne: null },
          clientSecretExpiresAt: { $ne: null, $lt: cutoff },
        },
        { _id: 1, clientSecretExpiresAt: 1 },
      ).lean<Pick<ConnectorDoc, '_id' | 'clientSecretExpiresAt'>[]>();
      return docs.map((doc) => ({
        connectorId: doc._id.toHexString(),
        expiresAt: doc.clientSecretExpiresAt!,
      }));
    },
  };
}
