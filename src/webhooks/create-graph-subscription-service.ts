import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { changeNoticeModel } from '../db/models/change-notice.model.js';
import { graphSubscriptionModel } from '../db/models/graph-subscription.model.js';
import { leaseModel } from '../db/models/lease.model.js';
import type { ConnectorRegistry } from '../domain/connector.js';
import type { GraphSubscriptionsApi } from '../integrations/entra/subscriptions.js';
import { recordChangeNotice } from './change-notices.js';
import type { NotificationScheduler } from './notification-intake.service.js';
import {
  GraphSubscriptionService,
  type SubscriptionCredentials,
  type GraphSubscriptionServiceDeps,
} from './graph-subscription.service.js';

export interface CreateGraphSubscriptionServiceDeps {
  connection: Connection;
  registry: Pick<ConnectorRegistry, 'loadSyncConfig'> &
    Partial<Pick<ConnectorRegistry, 'recordSyncOutcome'>>;
  graphFor: (credentials: SubscriptionCredentials) => GraphSubscriptionsApi;
  inactiveCredentials?: GraphSubscriptionServiceDeps['inactiveCredentials'];
  publicBaseUrl: string | undefined;
  lifetimeMinutes: number;
  scheduler: NotificationScheduler;
  logger: Logger;
  now?: () => Date;
}

/**
 * The subscription service wired to the change notices: once a subscription is (re)created, a
 * notice is recorded for the connector so a delta sync covers whatever happened while none existed.
 */
export function createGraphSubscriptionService(
  deps: CreateGraphSubscriptionServiceDeps,
): GraphSubscriptionService {
  const notices = changeNoticeModel(deps.connection);
  return new GraphSubscriptionService({
    subscriptions: graphSubscriptionModel(deps.connection),
    leases: leaseModel(deps.connection),
    registry: deps.registry,
    graphFor: deps.graphFor,
    publicBaseUrl: deps.publicBaseUrl,
    lifetimeMinutes: deps.lifetimeMinutes,
    logger: deps.logger,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.inactiveCredentials ? { inactiveCredentials: deps.inactiveCredentials } : {}),
    afterSubscribed: async (connectorId) => {
      await recordChangeNotice(notices, connectorId, { count: 1, missed: true });
      await deps.scheduler.connectorChanged(connectorId);
    },
  });
}
