import type { SyncLockModel } from '../../db/models/sync-lock.model.js';

/**
 * The per-connector run lock (see SyncLockDoc). Claimed by one conditional upsert: free, stale or
 * already mine -> mine. Losing the insert race surfaces as a duplicate key: held by someone else.
 */
export class RunLock {
  constructor(
    private readonly model: SyncLockModel,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(connectorId: string, runId: string | null): Promise<boolean> {
    const now = new Date();
    try {
      const doc = await this.model
        .findOneAndUpdate(
          { _id: connectorId, $or: [{ expiresAt: { $lte: now } }, { owner: this.owner, runId }] },
          { $set: { owner: this.owner, runId, expiresAt: new Date(now.getTime() + this.ttlMs) } },
          { upsert: true, returnDocument: 'after' },
        )
        .lean();
      return doc?.owner === this.owner;
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** Extends a held lock; false when it was lost (expired and taken by another instance). */
  async renew(connectorId: string): Promise<boolean> {
    const result = await this.model.updateOne(
      { _id: connectorId, owner: this.owner },
      { $set: { expiresAt: new Date(Date.now() + this.ttlMs) } },
    );
    return result.matchedCount === 1;
  }

  async release(connectorId: string): Promise<void> {
    await this.model.deleteOne({ _id: connectorId, owner: this.owner });
  }
}
