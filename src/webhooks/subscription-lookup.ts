import type { GraphSubscriptionModel } from '../db/models/graph-subscription.model.js';

export interface SubscriptionKey {
  connectorId: string;
  tenantId: string;
  clientStateHash: string;
}

/**
 * Subscription id -> what the receiver needs to check a notification. A short positive cache
 * keeps bursts (hundreds of POSTs per second for one subscription) off the database; unknown ids
 * are not cached, so a subscription stored a moment ago is found at once. A deleted subscription
 * may be honoured for up to `ttlMs`: harmless, it only triggers a delta sync.
 */
export class SubscriptionLookup {
  private readonly cache = new Map<string, { key: SubscriptionKey; until: number }>();

  constructor(
    private readonly subscriptions: GraphSubscriptionModel,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  async find(ids: readonly string[]): Promise<Map<string, SubscriptionKey>> {
    const now = Date.now();
    const found = new Map<string, SubscriptionKey>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.cache.get(id);
      if (hit && hit.until > now) found.set(id, hit.key);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const docs = await this.subscriptions
      .find({ _id: { $in: missing } }, { connectorId: 1, tenantId: 1, clientStateHash: 1 })
      .lean();
    if (this.cache.size + docs.length > this.maxEntries) this.cache.clear();
    for (const doc of docs) {
      const key = {
        connectorId: doc.connectorId,
        tenantId: doc.tenantId,
        clientStateHash: doc.clientStateHash,
      };
      found.set(doc._id, key);
      this.cache.set(doc._id, { key, until: now + this.ttlMs });
    }
    return found;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
