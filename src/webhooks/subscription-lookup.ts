import type { GraphSubscriptionModel } from '../db/models/graph-subscription.model.js';

export interface SubscriptionKey {
  connectorId: string;
  tenantId: string;
  clientStateHash: string;
}

type Found = Map<string, SubscriptionKey>;

/**
 * Subscription id -> what the receiver needs to check a notification. A short positive cache
 * keeps bursts (hundreds of POSTs per second for one subscription) off the database; unknown ids
 * are not cached, so a subscription stored a moment ago is found at once. A deleted subscription
 * may be honoured for up to `ttlMs`: harmless, it only triggers a delta sync.
 *
 * Misses are read together, one read at a time (the group commit of ChangeNoticeWriter): misses
 * that arrive while a read is in flight share the next one, which starts after it, so every
 * miss is read after it was asked for. When the cache was cold (a restart, or the TTL running out
 * under a burst) every POST used to send its own read until the first one answered: at 500/s
 * those reads (and the pool connections opened for them) piled up into acks of 1-2 s.
 *
 * When nothing was loaded for a whole TTL (a restart, a quiet spell), the next read loads every
 * subscription instead of just the missing ids: a burst after a restart comes from many
 * subscriptions at once (50 in the bench), and one by one their misses queued up read after
 * read (acks of 100 ms for the first 50). Past `maxEntries` subscriptions it reads the ids only.
 */
export class SubscriptionLookup {
  private readonly cache = new Map<string, { key: SubscriptionKey; until: number }>();
  private pending = new Map<
    string,
    { resolve: (found: Found) => void; reject: (e: unknown) => void }[]
  >();
  private reading: Promise<void> | undefined;
  private loadedAllAt = -Infinity;

  constructor(
    private readonly subscriptions: GraphSubscriptionModel,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  async find(ids: readonly string[]): Promise<Found> {
    const { found, missing } = this.cached(ids);
    if (missing.length === 0) return found;
    const read = await new Promise<Found>((resolve, reject) => {
      const waiter = { resolve, reject };
      for (const id of missing) {
        const waiters = this.pending.get(id) ?? [];
        waiters.push(waiter);
        this.pending.set(id, waiters);
      }
      this.reading ??= this.readPending();
    });
    for (const id of missing) {
      const key = read.get(id);
      if (key) found.set(id, key);
    }
    return found;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  /** The ids the cache holds (fresh), and the others. */
  private cached(ids: Iterable<string>): { found: Found; missing: string[] } {
    const now = Date.now();
    const found: Found = new Map();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.cache.get(id);
      if (hit && hit.until > now) found.set(id, hit.key);
      else missing.push(id);
    }
    return { found, missing };
  }

  private async readPending(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      const waiters = new Set([...batch.values()].flat());
      try {
        // Ids the previous read brought in (a whole load) need no read of their own.
        const { found, missing } = this.cached(batch.keys());
        if (missing.length > 0)
          for (const [id, key] of await this.read(missing)) found.set(id, key);
        for (const waiter of waiters) waiter.resolve(found);
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    // Cleared in the same synchronous step as the emptiness check (as ChangeNoticeWriter.flush).
    this.reading = undefined;
  }

  /** The missing ids, or everything when the last whole load is older than the TTL. */
  private async read(ids: string[]): Promise<Found> {
    const startedAt = Date.now();
    if (startedAt - this.loadedAllAt >= this.ttlMs) {
      const all = await this.fetch(undefined);
      if (all.length <= this.maxEntries) {
        this.loadedAllAt = startedAt;
        return this.remember(all);
      }
      this.loadedAllAt = Infinity; // more than the cache holds: the missing ids only from now on
    }
    return this.remember(await this.fetch(ids));
  }

  private fetch(ids: string[] | undefined) {
    return this.subscriptions
      .find(ids ? { _id: { $in: ids } } : {}, { connectorId: 1, tenantId: 1, clientStateHash: 1 })
      .limit(ids ? 0 : this.maxEntries + 1)
      .lean();
  }

  private remember(docs: Awaited<ReturnType<SubscriptionLookup['fetch']>>): Found {
    const now = Date.now();
    const found: Found = new Map();
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
}
