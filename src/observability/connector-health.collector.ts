import type { Connection } from 'mongoose';
import type { HubMetrics } from './hub-metrics.js';

/** How one Graph change subscription stands, for `hub_graph_subscriptions{state}`. */
export type SubscriptionState = 'active' | 'expiring' | 'failing';

export const SUBSCRIPTION_STATES: readonly SubscriptionState[] = ['active', 'expiring', 'failing'];

/** The fields of a `graph_subscriptions` document read here. */
export interface SubscriptionFacts {
  connectorId: string;
  resource: string;
  expiresAt: Date;
  renewAfter: Date;
  removedAt: Date | null;
  reauthorizationRequestedAt: Date | null;
}

/**
 * - failing: Graph no longer delivers for it: expired, or removed by Graph (`subscriptionRemoved`);
 * - expiring: still delivering, but due (renewal time passed, or Graph asked for
 *   reauthorization) and not yet handled: the hourly renewal normally clears it within the hour;
 * - active: delivering and not due.
 */
export function subscriptionState(sub: SubscriptionFacts, now: Date): SubscriptionState {
  if (sub.removedAt !== null || sub.expiresAt <= now) return 'failing';
  if (sub.reauthorizationRequestedAt !== null || sub.renewAfter <= now) return 'expiring';
  return 'active';
}

/**
 * Subscription states per connector. A connector that should hear from Graph (webhooks on,
 * connector active) but has no delivering `/users` subscription counts one failing: its
 * creation failed (Graph could not reach the webhook URL, the credentials were refused, ...).
 */
export function subscriptionHealth(
  subscriptions: readonly SubscriptionFacts[],
  expected: readonly string[],
  now: Date,
): Map<string, Record<SubscriptionState, number>> {
  const health = new Map<string, Record<SubscriptionState, number>>();
  const of = (connectorId: string) => {
    let counts = health.get(connectorId);
    if (!counts) health.set(connectorId, (counts = { active: 0, expiring: 0, failing: 0 }));
    return counts;
  };
  const delivering = new Set<string>();
  for (const sub of subscriptions) {
    const state = subscriptionState(sub, now);
    of(sub.connectorId)[state] += 1;
    if (state !== 'failing' && sub.resource === '/users') delivering.add(sub.connectorId);
  }
  for (const connectorId of expected) {
    if (!delivering.has(connectorId)) of(connectorId).failing += 1;
  }
  return health;
}

/** What the runtime's registry calls active (src/connectors/connector-registry.service.ts). */
const ACTIVE_CONNECTOR = {
  uninstalledAt: null,
  enabled: true,
  activatedAt: { $ne: null },
  verifiedAt: { $ne: null },
  syncGroupId: { $ne: null },
};

/**
 * Read from the database at scrape time (the same on every instance): Graph subscription health
 * per connector and the expiry date of each enabled connector's client secret. Both gauges are
 * rebuilt at each scrape, so uninstalled connectors disappear from them.
 */
export async function collectConnectorHealth(
  metrics: HubMetrics,
  connection: Connection,
  options: { webhooksEnabled: boolean; now?: Date },
): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('the database is not connected');
  const now = options.now ?? new Date();
  const [subscriptions, active, secrets] = await Promise.all([
    db
      .collection<SubscriptionFacts>('graph_subscriptions')
      .find(
        {},
        {
          projection: {
            _id: 0,
            connectorId: 1,
            resource: 1,
            expiresAt: 1,
            renewAfter: 1,
            removedAt: 1,
            reauthorizationRequestedAt: 1,
          },
        },
      )
      .toArray(),
    options.webhooksEnabled
      ? db
          .collection('connectors')
          .find(ACTIVE_CONNECTOR, { projection: { _id: 1 } })
          .toArray()
      : Promise.resolve([]),
    db
      .collection('connectors')
      .find(
        { uninstalledAt: null, enabled: true, clientSecretExpiresAt: { $ne: null } },
        { projection: { _id: 1, clientSecretExpiresAt: 1 } },
      )
      .toArray(),
  ]);
  const expected = active.map((doc) => String(doc._id));
  metrics.graphSubscriptions.reset();
  for (const [connectorId, counts] of subscriptionHealth(subscriptions, expected, now)) {
    for (const state of SUBSCRIPTION_STATES) {
      metrics.graphSubscriptions.set({ connector_id: connectorId, state }, counts[state]);
    }
  }
  metrics.clientSecretExpiry.reset();
  for (const doc of secrets) {
    const expiresAt = doc['clientSecretExpiresAt'] as Date;
    metrics.clientSecretExpiry.set(
      { connector_id: String(doc._id) },
      Math.floor(new Date(expiresAt).getTime() / 1000),
    );
  }
}
