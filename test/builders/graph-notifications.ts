import { randomUUID } from 'node:crypto';
import type { GraphSubscriptionRecord } from '../../src/db/models/graph-subscription.model.js';
import { hashClientState } from '../../src/webhooks/client-state.js';

export const TENANT_ID = '11111111-2222-3333-4444-555555555555';

/** A stored subscription plus the clientState Graph would echo for it. */
export function makeSubscription(
  partial: Partial<GraphSubscriptionRecord> & { clientState?: string } = {},
): { record: GraphSubscriptionRecord; clientState: string } {
  const { clientState = `cs-${randomUUID()}`, ...rest } = partial;
  const now = Date.now();
  return {
    clientState,
    record: {
      _id: randomUUID(),
      connectorId: `connector-${randomUUID().slice(0, 8)}`,
      tenantId: TENANT_ID,
      resource: '/users',
      changeType: 'updated,deleted',
      clientStateHash: hashClientState(clientState),
      expiresAt: new Date(now + 3 * 86_400_000),
      renewAfter: new Date(now + 2 * 86_400_000),
      reauthorizationRequestedAt: null,
      removedAt: null,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      ...rest,
    },
  };
}

/** One change notification as Graph sends it for a user or group subscription. */
export function makeChangeNotification(
  subscription: { record: GraphSubscriptionRecord; clientState: string },
  partial: Record<string, unknown> = {},
): Record<string, unknown> {
  const objectId = randomUUID();
  return {
    subscriptionId: subscription.record._id,
    subscriptionExpirationDateTime: subscription.record.expiresAt.toISOString(),
    clientState: subscription.clientState,
    changeType: 'updated',
    resource: `Users/${objectId}`,
    tenantId: subscription.record.tenantId,
    resourceData: {
      '@odata.type': '#Microsoft.Graph.User',
      '@odata.id': `Users/${objectId}`,
      id: objectId,
    },
    ...partial,
  };
}

export function makeLifecycleNotification(
  subscription: { record: GraphSubscriptionRecord; clientState: string },
  lifecycleEvent: string,
  partial: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    subscriptionId: subscription.record._id,
    subscriptionExpirationDateTime: subscription.record.expiresAt.toISOString(),
    clientState: subscription.clientState,
    tenantId: subscription.record.tenantId,
    lifecycleEvent,
    ...partial,
  };
}
