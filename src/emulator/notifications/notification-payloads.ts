import type { DirectoryChange } from '../store/directory-types.js';
import type { SubscriptionRecord } from './subscription.store.js';

export type LifecycleEvent = 'reauthorizationRequired' | 'missed' | 'subscriptionRemoved';

/**
 * One change notification: what changed, never how (no resource data for users and groups),
 * with the capitalized `Users/{id}` / `#Microsoft.Graph.User` forms Graph uses for directory
 * objects. A membership change is `updated` on the group.
 */
export function changeNotification(subscription: SubscriptionRecord, change: DirectoryChange) {
  const entitySet = change.resource === 'user' ? 'Users' : 'Groups';
  const type = change.resource === 'user' ? '#Microsoft.Graph.User' : '#Microsoft.Graph.Group';
  return {
    subscriptionId: subscription.id,
    subscriptionExpirationDateTime: new Date(subscription.expiresAt).toISOString(),
    clientState: subscription.clientState,
    changeType: change.kind,
    resource: `${entitySet}/${change.id}`,
    tenantId: subscription.tenantId,
    resourceData: {
      '@odata.type': type,
      '@odata.id': `${entitySet}/${change.id}`,
      id: change.id,
      organizationId: subscription.tenantId,
    },
  };
}

export function lifecycleNotification(subscription: SubscriptionRecord, event: LifecycleEvent) {
  return {
    subscriptionId: subscription.id,
    subscriptionExpirationDateTime: new Date(subscription.expiresAt).toISOString(),
    tenantId: subscription.tenantId,
    clientState: subscription.clientState,
    lifecycleEvent: event,
  };
}

/** Does this directory change concern this subscription? */
export function matches(subscription: SubscriptionRecord, change: DirectoryChange): boolean {
  if (!subscription.changeTypes.includes(change.kind)) return false;
  const target = subscription.target;
  switch (target.kind) {
    case 'users':
      return change.resource === 'user';
    case 'user':
      return change.resource === 'user' && change.id === target.id;
    case 'groups':
      return change.resource === 'group';
    case 'group':
      return change.resource === 'group' && change.id === target.id;
    case 'groupMembers':
      return change.resource === 'group' && change.id === target.id && change.membership;
    default: {
      const unreachable: never = target;
      throw new Error(`unknown subscription target ${JSON.stringify(unreachable)}`);
    }
  }
}
