import type { ChangeFeed } from '../feed/change-feed.js';
import { feedMessage, type OutboundMessage } from './messages.js';

export interface FeedWindow {
  /** Every visible entry after the position, in order, as a message (before type filtering). */
  messages: OutboundMessage[];
  /** The position the window ends at. */
  lastSeq: number;
  committed: number;
}

/** Entries kept per company: endpoints at nearby positions read each entry once. */
const CACHED_PER_COMPANY = 20_000;

/**
 * The feed as the deliveries read it: windows of messages after an endpoint's position. The
 * messages of recent entries are kept in memory per company, so ten endpoints of one company
 * read (and serialize) each entry once rather than ten times. Entries never change once
 * committed, so the cache needs no invalidation; only the head is read every time.
 */
export class FeedWindows {
  private readonly cache = new Map<string, Map<number, OutboundMessage | null>>();

  constructor(private readonly feed: ChangeFeed) {}

  async window(companyId: string, afterSeq: number, limit: number): Promise<FeedWindow> {
    const head = await this.feed.store.head(companyId);
    const known = this.cache.get(companyId) ?? new Map<number, OutboundMessage | null>();
    this.cache.set(companyId, known);
    const messages: OutboundMessage[] = [];
    let position = Math.max(afterSeq, head.trimmed);
    while (messages.length < limit && position < head.committed) {
      const cached = known.get(position + 1);
      if (cached !== undefined) {
        position += 1;
        if (cached) messages.push(cached);
        continue;
      }
      const page = await this.feed.reader.page(companyId, position, limit - messages.length);
      const records = await this.feed.reader.records(companyId, page.entries);
      const bySeq = new Map(records.map((record) => [record.seq, feedMessage(record)]));
      for (let seq = position + 1; seq <= page.lastSeq; seq += 1) {
        const message = bySeq.get(seq) ?? null;
        known.set(seq, message);
        if (message) messages.push(message);
      }
      if (page.lastSeq <= position) break;
      position = page.lastSeq;
    }
    this.trim(known);
    return { messages, lastSeq: position, committed: head.committed };
  }

  private trim(known: Map<number, OutboundMessage | null>): void {
    if (known.size <= CACHED_PER_COMPANY) return;
    // Maps keep insertion order, and entries are inserted in feed order: drop the oldest.
    for (const seq of known.keys()) {
      known.delete(seq);
      if (known.size <= CACHED_PER_COMPANY / 2) break;
    }
  }
}
