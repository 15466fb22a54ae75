import {
  feedEntryId,
  fromStoredFeedEntry,
  toStoredFeedEntry,
  type FeedEntryDoc,
  type FeedEntryModel,
  type StoredFeedEntry,
} from '../db/models/feed-entry.model.js';
import { nativeCollection } from '../db/native-collection.js';
import type { FeedHeadModel } from '../db/models/feed-head.model.js';
import type { FeedEventDraft } from './feed-events.js';

/** Ids per `_id $in` read: one round trip, well under the offline database's statement limits. */
const READ_CHUNK = 500;
/** The entries a writer's retention check reads first (the oldest kept is usually recent). */
const FIRST_TRIM_READ = 8;

export interface FeedHead {
  committed: number;
  trimmed: number;
}

/**
 * The feed's documents: entries by `_id` (company + zero-padded number) and the per-company
 * head. Nothing here decides what is visible; writers and readers do (feed-writer, feed-reader).
 */
export class FeedStore {
  constructor(
    private readonly entries: FeedEntryModel,
    private readonly headModel: FeedHeadModel,
  ) {}

  async head(companyId: string): Promise<FeedHead> {
    const doc = await this.headModel.findById(companyId, { committed: 1, trimmed: 1 }).lean();
    return { committed: doc?.committed ?? 0, trimmed: doc?.trimmed ?? 0 };
  }

  async heads(companyIds: readonly string[]): Promise<Map<string, FeedHead>> {
    const docs = await this.headModel
      .find({ _id: { $in: [...companyIds] } }, { committed: 1, trimmed: 1 })
      .lean();
    return new Map(docs.map((d) => [d._id, { committed: d.committed, trimmed: d.trimmed }]));
  }

  /** Inserts drafts numbered from `firstSeq`, in order (a failure leaves a numbered prefix). */
  async insert(
    companyId: string,
    context: { connectorId: string | null; runId: string | null },
    drafts: readonly FeedEventDraft[],
    firstSeq: number,
    at: Date,
  ): Promise<FeedEntryDoc[]> {
    const docs = drafts.map((draft, i): FeedEntryDoc => ({
      ...draft,
      _id: feedEntryId(companyId, firstSeq + i),
      companyId,
      seq: firstSeq + i,
      occurredAt: at,
      connectorId: context.connectorId,
      runId: context.runId,
    }));
    const stored = docs.map(toStoredFeedEntry);
    const collection = nativeCollection<StoredFeedEntry>(this.entries);
    if (stored.length > 0) await collection.insertMany(stored, { ordered: true });
    return docs;
  }

  /** Narrows a pending members event to the memberships that took effect (feed-recovery). */
  async setMembers(id: string, members: NonNullable<FeedEntryDoc['members']>): Promise<void> {
    await this.entries.updateOne({ _id: id }, { $set: { members } });
  }

  async markDropped(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += READ_CHUNK) {
      await this.entries.updateMany(
        { _id: { $in: ids.slice(i, i + READ_CHUNK) } },
        { $set: { dropped: true } },
      );
    }
  }

  /** Moves the watermark (never back): entries up to `seq` are readable. */
  async commit(companyId: string, seq: number): Promise<void> {
    await this.headModel.updateOne(
      { _id: companyId },
      { $max: { committed: seq }, $set: { updatedAt: new Date() }, $setOnInsert: { trimmed: 0 } },
      { upsert: true },
    );
  }

  /**
   * Drops the oldest entries that occurred before `cutoff`, at most `max` numbers past the
   * current trim point (a run's share; the next run goes on): readers skip them first (`trimmed`
   * moves), then they are deleted. Returns the new trim point.
   */
  async trimBefore(companyId: string, cutoff: Date, max: number): Promise<number> {
    const head = await this.head(companyId);
    const last = Math.min(head.committed, head.trimmed + max);
    let upTo = head.trimmed;
    // Most runs find nothing to trim: the first read is a few entries, the next ones full chunks.
    let size = FIRST_TRIM_READ;
    for (let from = head.trimmed + 1; from <= last; from += size, size = READ_CHUNK) {
      const to = Math.min(last, from + size - 1);
      const kept = (await this.range(companyId, from, to)).find((e) => e.occurredAt >= cutoff);
      // Numbers without an entry (an insert that failed) go with the old ones around them.
      upTo = kept ? kept.seq - 1 : to;
      if (kept) break;
    }
    if (upTo <= head.trimmed) return head.trimmed;
    await this.setTrimmed(companyId, upTo);
    await this.remove(companyId, head.trimmed + 1, upTo);
    return upTo;
  }

  async setTrimmed(companyId: string, seq: number): Promise<void> {
    await this.headModel.updateOne({ _id: companyId }, { $max: { trimmed: seq } });
  }

  /** The entries numbered `from`..`to` that exist, in order (missing numbers are skipped). */
  async range(companyId: string, from: number, to: number): Promise<FeedEntryDoc[]> {
    const found: FeedEntryDoc[] = [];
    for (let start = from; start <= to; start += READ_CHUNK) {
      const end = Math.min(to, start + READ_CHUNK - 1);
      const ids: string[] = [];
      for (let seq = start; seq <= end; seq += 1) ids.push(feedEntryId(companyId, seq));
      const docs = await this.entries.find({ _id: { $in: ids } }).lean<StoredFeedEntry[]>();
      found.push(...docs.sort((a, b) => a.seq - b.seq).map(fromStoredFeedEntry));
    }
    return found;
  }

  async remove(companyId: string, from: number, to: number): Promise<number> {
    let removed = 0;
    for (let start = from; start <= to; start += READ_CHUNK) {
      const end = Math.min(to, start + READ_CHUNK - 1);
      const ids: string[] = [];
      for (let seq = start; seq <= end; seq += 1) ids.push(feedEntryId(companyId, seq));
      removed += (await this.entries.deleteMany({ _id: { $in: ids } })).deletedCount;
    }
    return removed;
  }
}
