import type { CompanyModel } from '../db/models/company.model.js';
import type { Caller } from '../domain/caller.js';
import {
  decodeFeedCursor,
  encodeFeedCursor,
  type DirectoryChangeRecord,
} from '../domain/directory-event.js';
import { AppError, ErrorCode } from '../domain/errors.js';
import type { ChangeFeed } from './change-feed.js';
import { companyInScope } from './company-access.js';

const MAX_PAGE = 500;
/** A live reader re-checks the head this often even without an announcement (lost bus event). */
const IDLE_RECHECK_MS = 10_000;

/** A page of the feed, in the shape every list of the API takes (graphql/connection.ts). */
export interface FeedConnectionPage {
  nodes: DirectoryChangeRecord[];
  cursors: string[];
  hasNextPage: boolean;
  endCursor: string | null;
  /**
   * Positions from the oldest kept entry to the newest committed one: exact unless a failed
   * write dropped an entry (its number stays used and is never shown), so an upper bound. It
   * comes from the company's head, not a count of the entries.
   */
  totalCount: number;
}

/** `directoryChanges` and `directoryChanged`: a company's feed, through the caller's scope. */
export class FeedService {
  constructor(
    private readonly feed: ChangeFeed,
    private readonly Company: CompanyModel,
  ) {}

  async changes(
    caller: Caller,
    companyId: string,
    first: number,
    after?: string | null,
  ): Promise<FeedConnectionPage> {
    await companyInScope(this.Company, caller, companyId);
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
      throw new AppError(ErrorCode.BAD_USER_INPUT, `first: must be between 1 and ${MAX_PAGE}`, {
        details: { field: 'first' },
      });
    }
    const page = await this.feed.reader.page(companyId, positionOf(after), first);
    const records = await this.feed.reader.records(companyId, page.entries);
    return {
      nodes: records,
      cursors: records.map((record) => record.cursor),
      hasNextPage: page.lastSeq < page.committed,
      // Past dropped entries too, so the next page does not read them again.
      endCursor: page.lastSeq > 0 ? encodeFeedCursor(page.lastSeq) : null,
      totalCount: Math.max(0, page.committed - page.trimmed),
    };
  }

  /**
   * Every entry after `after` (or, without it, from now on), then each new one as it is
   * committed. The access check runs before the first event.
   */
  async live(
    caller: Caller,
    companyId: string,
    after?: string | null,
  ): Promise<AsyncIterableIterator<DirectoryChangeRecord>> {
    await companyInScope(this.Company, caller, companyId);
    const feed = this.feed;
    // Subscribed before the first read: an entry committed in between is announced to us.
    const commits = feed.commits(companyId);
    let position = after ? positionOf(after) : (await feed.store.head(companyId)).committed;
    async function* changes(): AsyncGenerator<DirectoryChangeRecord> {
      let announced: Promise<unknown> | null = null;
      try {
        for (;;) {
          const page = await feed.reader.page(companyId, position, 100);
          for (const record of await feed.reader.records(companyId, page.entries)) yield record;
          position = page.lastSeq;
          if (page.lastSeq < page.committed) continue;
          announced ??= commits.next();
          const woke = await Promise.race([announced, sleep(IDLE_RECHECK_MS)]);
          if (woke !== null) {
            if ((woke as IteratorResult<unknown>).done) return;
            announced = null;
          }
        }
      } finally {
        await commits.return?.();
      }
    }
    return changes();
  }
}

function positionOf(cursor: string | null | undefined): number {
  if (!cursor) return 0;
  const seq = decodeFeedCursor(cursor);
  if (seq === null) {
    throw new AppError(ErrorCode.BAD_USER_INPUT, 'after: not a cursor of this change feed', {
      details: { field: 'after' },
    });
  }
  return seq;
}

function sleep(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
}
