import type { ConnectorSyncConfig } from '../domain/connector.js';

export interface DesiredSubscription {
  resource: string;
  changeType: string;
}

/**
 * What a connector subscribes to. For users and groups Graph supports only `updated` (create,
 * update, soft delete) and `deleted` (permanent); a group's membership changes arrive as
 * `updated` on the group. Resource data is never included: the hub reads the delta.
 */
export function desiredSubscriptions(config: ConnectorSyncConfig): DesiredSubscription[] {
  const groupIds = [...new Set([config.syncGroupId, ...config.syncedGroupIds])];
  return [
    { resource: '/users', changeType: 'updated,deleted' },
    ...groupIds.map((id) => ({ resource: `/groups/${id}`, changeType: 'updated,deleted' })),
  ];
}

/** Renew once less than a quarter of the (granted) lifetime is left. */
export function renewAfter(grantedAt: Date, expiresAt: Date): Date {
  const lifetime = Math.max(expiresAt.getTime() - grantedAt.getTime(), 0);
  return new Date(expiresAt.getTime() - lifetime / 4);
}
