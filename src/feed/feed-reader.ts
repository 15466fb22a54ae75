import type { FeedEntryDoc } from '../db/models/feed-entry.model.js';
import type { SyncModels } from '../db/models/sync-models.js';
import { encodeFeedCursor, type DirectoryChangeRecord } from '../domain/directory-event.js';
import { entraKeyOf } from '../domain/directory.js';
import type { FeedStore } from './feed-store.js';

export interface FeedPage {
  /** Visible entries after the position asked for, in order (dropped ones skipped). */
  entries: FeedEntryDoc[];
  /** The position the page ends at (a dropped entry past the last visible one counts). */
  lastSeq: number;
  committed: number;
  /** Entries up to this position were removed by retention. */
  trimmed: number;
}

/**
 * Reads a company's feed up to its watermark, never past it: what a reader gets is complete
 * (nothing will appear behind it later) and in order.
 */
export class FeedReader {
  constructor(
    private readonly store: FeedStore,
    private readonly models: Pick<SyncModels, 'DirectoryUser' | 'DirectoryGroup'>,
  ) {}

  async page(companyId: string, afterSeq: number, limit: number, upTo?: number): Promise<FeedPage> {
    const head = await this.store.head(companyId);
    const end = Math.min(head.committed, upTo ?? Number.MAX_SAFE_INTEGER);
    const entries: FeedEntryDoc[] = [];
    let lastSeq = Math.max(afterSeq, head.trimmed);
    let from = lastSeq + 1;
    while (entries.length < limit && from <= end) {
      const to = Math.min(end, from + limit - 1);
      for (const doc of await this.store.range(companyId, from, to)) {
        if (entries.length === limit) break;
        lastSeq = doc.seq;
        if (!doc.dropped) entries.push(doc);
      }
      if (entries.length < limit) lastSeq = Math.max(lastSeq, to);
      from = to + 1;
    }
    return { entries, lastSeq, committed: head.committed, trimmed: head.trimmed };
  }

  /** The entries as records, with the directory ids of objects created by their change. */
  async records(
    companyId: string,
    docs: readonly FeedEntryDoc[],
  ): Promise<DirectoryChangeRecord[]> {
    const ids = await this.directoryIds(companyId, docs);
    return docs.map((doc) => ({
      cursor: encodeFeedCursor(doc.seq),
      seq: doc.seq,
      type: doc.type,
      occurredAt: doc.occurredAt,
      companyId: doc.companyId,
      connectorId: doc.connectorId,
      runId: doc.runId,
      objectType: doc.objectType,
      objectId: doc.objectId ?? ids.get(`${doc.objectType}:${doc.entraId}`) ?? null,
      entraId: doc.entraId,
      label: doc.label,
      rule: doc.rule,
      before: doc.before,
      after: doc.after,
      members: doc.members,
    }));
  }

  /** Inserts are staged before the database assigns the id: looked up here, once per page. */
  private async directoryIds(
    companyId: string,
    docs: readonly FeedEntryDoc[],
  ): Promise<Map<string, string>> {
    const users = new Set<string>();
    const groups = new Set<string>();
    for (const doc of docs) {
      if (doc.objectId) continue;
      (doc.objectType === 'USER' ? users : groups).add(entraKeyOf(companyId, doc.entraId));
    }
    const found = new Map<string, string>();
    const collect = (kind: string, list: { _id: unknown; entraId?: string | null }[]) => {
      for (const d of list) if (d.entraId) found.set(`${kind}:${d.entraId}`, String(d._id));
    };
    if (users.size > 0) {
      collect(
        'USER',
        await this.models.DirectoryUser.find(
          { entraKey: { $in: [...users] } },
          { _id: 1, entraId: 1 },
        ).lean(),
      );
    }
    if (groups.size > 0) {
      collect(
        'GROUP',
        await this.models.DirectoryGroup.find(
          { entraKey: { $in: [...groups] } },
          { _id: 1, entraId: 1 },
        ).lean(),
      );
    }
    return found;
  }
}
