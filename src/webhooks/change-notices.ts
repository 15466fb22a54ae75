import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import type { ChangeNoticeModel, ChangeNoticeRecord } from '../db/models/change-notice.model.js';
import { nativeCollection } from '../db/native-collection.js';

export interface ChangeSummary {
  count: number;
  missed: boolean;
}

/** Appends one change notice (after a subscription was created, outside the hot path). */
export async function recordChangeNotice(
  notices: ChangeNoticeModel,
  connectorId: string,
  change: ChangeSummary,
): Promise<void> {
  await notices.collection.insertOne({
    _id: new Types.ObjectId(),
    connectorId,
    count: change.count,
    missed: change.missed,
    receivedAt: new Date(),
  });
}

interface Pending extends ChangeSummary {
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * Group commit for the receiver's hot path. Every request still waits until its own notice is in
 * the database before answering 202, but requests that arrive while a write is in flight share
 * the next one: a single insertMany with one notice per connector.
 */
export class ChangeNoticeWriter {
  private pending = new Map<string, Pending>();
  private flushing: Promise<void> | undefined;
  private readonly collection: Collection<ChangeNoticeRecord>;

  constructor(notices: ChangeNoticeModel) {
    // The driver's collection: one insert command, without mongoose casting per document.
    this.collection = nativeCollection<ChangeNoticeRecord>(notices);
  }

  record(connectorId: string, change: ChangeSummary): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = this.pending.get(connectorId) ?? { count: 0, missed: false, waiters: [] };
      entry.count += change.count;
      entry.missed ||= change.missed;
      entry.waiters.push({ resolve, reject });
      this.pending.set(connectorId, entry);
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const batch = this.pending;
      this.pending = new Map();
      const receivedAt = new Date();
      try {
        await this.collection.insertMany(
          [...batch].map(([connectorId, { count, missed }]) => ({
            _id: new Types.ObjectId(),
            connectorId,
            count,
            missed,
            receivedAt,
          })),
          { ordered: false },
        );
        for (const entry of batch.values()) for (const w of entry.waiters) w.resolve();
      } catch (error) {
        for (const entry of batch.values()) for (const w of entry.waiters) w.reject(error);
      }
    }
    // Cleared in the same synchronous step as the emptiness check: a later record() starts a
    // new flush, an earlier one was in the batch (see MongoEventBus.flush).
    this.flushing = undefined;
  }
}
