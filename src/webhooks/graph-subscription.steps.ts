import type { Logger } from 'pino';
import type {
  GraphSubscriptionModel,
  GraphSubscriptionRecord,
} from '../db/models/graph-subscription.model.js';
import type { ConnectorSyncConfig } from '../domain/connector.js';
import { ErrorCode, isAppError } from '../domain/errors.js';
import type { GraphSubscriptionsApi } from '../integrations/entra/subscriptions.js';
import { hashClientState, newClientState } from './client-state.js';
import { renewAfter, type DesiredSubscription } from './subscription-plan.js';
import { LIFECYCLE_PATH, WEBHOOK_PATH } from './webhook.router.js';

/**
 * One subscription at a time, at Graph and in the store: create, renew, reauthorize, delete, and
 * the choice between them (GraphSubscriptionService holds the lease and walks the connector's).
 */
export class SubscriptionSteps {
  constructor(
    private readonly subscriptions: GraphSubscriptionModel,
    private readonly lifetimeMinutes: number,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async maintainOne(
    graph: GraphSubscriptionsApi,
    config: ConnectorSyncConfig,
    want: DesiredSubscription,
    doc: GraphSubscriptionRecord | undefined,
    baseUrl: string,
  ): Promise<'created' | 'renewed' | 'reauthorized' | 'unchanged'> {
    const now = this.now();
    const recreate = async () => {
      if (doc) await this.deleteOne(doc, graph);
      await this.create(graph, config, want, baseUrl);
      return 'created' as const;
    };
    if (!doc || doc.removedAt !== null || doc.expiresAt <= now) return recreate();
    try {
      if (doc.reauthorizationRequestedAt !== null) {
        await this.reauthorize(graph, doc);
        if (doc.renewAfter > now) return 'reauthorized';
      }
      if (doc.renewAfter <= now) {
        await this.renew(graph, doc);
        return 'renewed';
      }
      return 'unchanged';
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.NOT_FOUND) return recreate();
      throw error;
    }
  }

  private async create(
    graph: GraphSubscriptionsApi,
    config: ConnectorSyncConfig,
    want: DesiredSubscription,
    baseUrl: string,
  ): Promise<void> {
    const now = this.now();
    const clientState = newClientState();
    const created = await graph.create({
      resource: want.resource,
      changeType: want.changeType,
      notificationUrl: `${baseUrl}${WEBHOOK_PATH}`,
      lifecycleNotificationUrl: `${baseUrl}${LIFECYCLE_PATH}`,
      expirationDateTime: new Date(now.getTime() + this.lifetimeMinutes * 60_000),
      clientState,
    });
    const expiresAt = new Date(created.expirationDateTime);
    await this.subscriptions.create({
      _id: created.id,
      connectorId: config.connectorId,
      tenantId: config.tenantId,
      resource: want.resource,
      changeType: want.changeType,
      clientStateHash: hashClientState(clientState),
      expiresAt,
      renewAfter: renewAfter(now, expiresAt),
      reauthorizationRequestedAt: null,
      removedAt: null,
    });
    this.log.info(
      { connectorId: config.connectorId, subscriptionId: created.id, resource: want.resource },
      'Graph subscription created',
    );
  }

  private async renew(graph: GraphSubscriptionsApi, doc: GraphSubscriptionRecord): Promise<void> {
    const now = this.now();
    const renewed = await graph.renew(
      doc._id,
      new Date(now.getTime() + this.lifetimeMinutes * 60_000),
    );
    const expiresAt = new Date(renewed.expirationDateTime);
    await this.subscriptions.updateOne(
      { _id: doc._id },
      {
        $set: {
          expiresAt,
          renewAfter: renewAfter(now, expiresAt),
          reauthorizationRequestedAt: null,
        },
      },
    );
  }

  private async reauthorize(graph: GraphSubscriptionsApi, doc: GraphSubscriptionRecord) {
    await graph.reauthorize(doc._id);
    // Only clear the flag we handled: a newer lifecycle event keeps it set.
    await this.subscriptions.updateOne(
      { _id: doc._id, reauthorizationRequestedAt: doc.reauthorizationRequestedAt },
      { $set: { reauthorizationRequestedAt: null } },
    );
  }

  async deleteOne(doc: GraphSubscriptionRecord, graph?: GraphSubscriptionsApi) {
    // An expired or Graph-removed subscription is already gone there.
    if (graph && doc.removedAt === null && doc.expiresAt > this.now()) await graph.delete(doc._id);
    await this.subscriptions.deleteOne({ _id: doc._id });
  }
}
