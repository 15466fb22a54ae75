import type { ChangeFeed } from '../feed/change-feed.js';
import { feedMessage, type OutboundMessage } from './messages.js';

export interface FeedWindow {
  /** Every visible entry after the position, in order, as a message (before type filtering). */
  messages: OutboundMessage[];
  /** The position the window ends at. */
  lastSeq: number;
  committed: number;
}

/** Feed positions per block: blocks are read, converted and cached whole. */
export const BLOCK = 500;
/** Blocks kept per company: endpoints at nearby positions read each entry once. */
const CACHED_BLOCKS = 40;

/** A block's messages read so far: every visible entry up to `upTo`, in feed order. */
interface Block {
  upTo: number;
  messages: Promise<OutboundMessage[]>;
}

/**
 * The feed as the deliveries read it: windows of messages after an endpoint's position. The feed
 * is read in fixed blocks of positions, each read and turned into messages once per instance,
 * however many endpoints of the company want it and however their positions fall: ten endpoints
 * catching up together share one read of each block (a read in flight is shared too), and the
 * head's block is extended by what was committed since, not read again. Entries never change
 * once committed, so nothing needs invalidation.
 */
export class FeedWindows {
  private readonly blocks = new Map<string, Map<number, Block>>();

  constructor(private readonly feed: ChangeFeed) {}

  async window(companyId: string, afterSeq: number, limit: number): Promise<FeedWindow> {
    const head = await this.feed.store.head(companyId);
    const blocks = this.blocks.get(companyId) ?? new Map<number, Block>();
    this.blocks.set(companyId, blocks);
    const messages: OutboundMessage[] = [];
    let position = Math.max(afterSeq, head.trimmed);
    while (messages.length < limit && position < head.committed) {
      const index = Math.floor(position / BLOCK);
      const end = Math.min((index + 1) * BLOCK, head.committed);
      const after = position;
      position = end;
      for (const message of await this.block(companyId, blocks, index, end)) {
        // The block may reach further (another endpoint saw a later head): not past this window.
        if (message.seq! > end) break;
        if (message.seq! <= after) continue;
        messages.push(message);
        if (messages.length === limit) {
          position = message.seq!;
          break;
        }
      }
    }
    this.trim(blocks);
    return { messages, lastSeq: position, committed: head.committed };
  }

  /** Block `index`'s messages up to position `end` (read once; a shorter read is extended). */
  private block(
    companyId: string,
    blocks: Map<number, Block>,
    index: number,
    end: number,
  ): Promise<OutboundMessage[]> {
    const known = blocks.get(index);
    if (known && known.upTo >= end) return known.messages;
    const from = known?.upTo ?? index * BLOCK;
    const read = this.read(companyId, from, end);
    const messages = known
      ? Promise.all([known.messages, read]).then(([before, after]) => [...before, ...after])
      : read;
    // A failed read is forgotten, so the next round reads again.
    messages.catch(() => {
      if (blocks.get(index)?.messages === messages) blocks.delete(index);
    });
    blocks.set(index, { upTo: end, messages });
    return messages;
  }

  /**
   * The visible entries after `from` up to `end` as messages. `end` is at most the head `window`
   * read, so the range is read directly (entries below the trim point are skipped there).
   */
  private async read(companyId: string, from: number, end: number): Promise<OutboundMessage[]> {
    const entries = await this.feed.store.range(companyId, from + 1, end);
    const visible = entries.filter((entry) => !entry.dropped);
    const records = await this.feed.reader.records(companyId, visible);
    return records.map(feedMessage);
  }

  private trim(blocks: Map<number, Block>): void {
    if (blocks.size <= CACHED_BLOCKS) return;
    const oldest = [...blocks.keys()].sort((a, b) => a - b);
    for (const index of oldest.slice(0, blocks.size - CACHED_BLOCKS / 2)) blocks.delete(index);
  }
}
