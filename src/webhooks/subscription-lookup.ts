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
 * Misses are read once and together: at most one read is in flight, the misses that arrive
 * meanwhile wait for it and then share the next one, and a request asking for an id already
 * being read joins that read. When the cache was cold (a restart, or the TTL running out under a
 * burst) every POST used to send its own read until the first one answered: at 500/s those reads
 * (and the pool connections opened for them) piled up on the database into acks of 1-2 s.
 */
export class SubscriptionLookup {
  private readonly cache = new Map<string, { key: SubscriptionKey; until: number }>();
  /** Ids being read now, each with the read that will answer it. */
  private readonly reading = new Map<string, Promise<Found>>();
  /** The next read, still taking ids until the one in flight (`flight`) is done. */
  private next: { ids: string[]; read: Promise<Found> } | undefined;
  private flight: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly subscriptions: GraphSubscriptionModel,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  async find(ids: readonly string[]): Promise<Found> {
    const now = Date.now();
    const found: Found = new Map();
    const joined: [string, Promise<Found>][] = [];
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const hit = this.cache.get(id);
      const read = this.reading.get(id);
      if (hit && hit.until > now) found.set(id, hit.key);
      else if (read) joined.push([id, read]);
      else missing.push(id);
    }
    const own = missing.length > 0 ? this.read(missing) : undefined;
    const reads = [...joined, ...missing.map((id): [string, Promise<Found>] => [id, own!])];
    // A joined read began before this request: an id it did not find may have been stored since,
    // so that id is read again (unknown ids are the rare path; known ones come back found).
    const again: string[] = [];
    for (const [id, read] of reads) {
      const key = (await read).get(id);
      if (key) found.set(id, key);
      else if (read !== own) again.push(id);
    }
    if (again.length > 0) for (const [id, key] of await this.query(again)) found.set(id, key);
    return found;
  }

  forget(id: string): void {
    this.cache.delete(id);
  }

  private read(ids: string[]): Promise<Found> {
    let batch = this.next;
    if (batch) {
      batch.ids.push(...ids);
    } else {
      const open = { ids: [...ids], read: Promise.resolve(new Map() as Found) };
      open.read = this.flight.then(() => {
        // Closed in the same step the query starts: later misses go to a new batch.
        if (this.next === open) this.next = undefined;
        return this.query(open.ids);
      });
      this.flight = open.read.catch(() => undefined);
      const done = () => {
        for (const id of open.ids) if (this.reading.get(id) === open.read) this.reading.delete(id);
      };
      open.read.then(done, done);
      this.next = batch = open;
    }
    for (const id of ids) this.reading.set(id, batch.read);
    return batch.read;
  }

  private async query(ids: string[]): Promise<Found> {
    const now = Date.now();
    const found: Found = new Map();
    const docs = await this.subscriptions
      .find({ _id: { $in: ids } }, { connectorId: 1, tenantId: 1, clientStateHash: 1 })
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
}
