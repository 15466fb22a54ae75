import type { Collection } from 'mongodb';
import type { SyncLockDoc, SyncLockModel } from '../../db/models/sync-lock.model.js';

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

  private get raw(): Collection<SyncLockDoc & { wanted?: boolean }> {
    return this.model.collection as unknown as Collection<SyncLockDoc & { wanted?: boolean }>;
  }

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

  /**
   * Releases a held lock; true when another instance queued a run for the connector meanwhile
   * (`wanted`), so the caller looks at the queue at once instead of at its next scan.
   */
  async release(connectorId: string): Promise<boolean> {
    const doc = await this.raw.findOneAndDelete({
      _id: connectorId,
      owner: this.owner,
    });
    return doc?.wanted === true;
  }

  /**
   * Flags a lock held elsewhere: its holder checks the queue when it releases it. False when
   * there was no lock to flag (released meanwhile), so the caller can try to claim it again.
   * Raw driver update: `wanted` is a hint between instances, not part of the lock's schema.
   */
  async markWanted(connectorId: string): Promise<boolean> {
    const result = await this.raw.updateOne(
      { _id: connectorId },
      {
        $set: { wanted: true },
      },
    );
    return result.matchedCount === 1;
  }
}
