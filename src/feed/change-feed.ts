import type { Logger } from 'pino';
import type { OutboundModels } from '../db/models/outbound-models.js';
import type { SyncModels } from '../db/models/sync-models.js';
import { LiveTopic, type LiveEvents } from '../events/live-events.js';
import { FeedReader } from './feed-reader.js';
import { FeedStore } from './feed-store.js';
import { FeedWriter, type FeedNotifier } from './feed-writer.js';

export interface ChangeFeedDeps {
  models: SyncModels & Pick<OutboundModels, 'FeedEntry' | 'FeedHead'>;
  live: LiveEvents;
  logger: Logger;
  /** FEED_RETENTION_DAYS: entries older than this go (each writer trims before it writes). */
  retentionDays?: number | undefined;
  /** The time entries are stamped and trimmed by (tests move it). */
  now?: () => Date;
}

/**
 * Every company's ordered change feed: writers for the sync engine (one per run or approval,
 * under the connector's run lock), the reader the API and the deliveries share, and the live
 * event that announces new entries (across instances with the Mongo bus).
 */
export class ChangeFeed {
  readonly store: FeedStore;
  readonly reader: FeedReader;
  private readonly notify: FeedNotifier;

  constructor(private readonly deps: ChangeFeedDeps) {
    this.store = new FeedStore(deps.models.FeedEntry, deps.models.FeedHead);
    this.reader = new FeedReader(this.store, deps.models);
    this.notify = (event) => deps.live.publish(LiveTopic.DIRECTORY_FEED_COMMITTED, event);
  }

  /** The writer of one run (`runId`) or approval; `signal`: the run lost its lock, stop. */
  writer(
    context: { companyId: string; connectorId: string; runId: string | null },
    signal?: AbortSignal,
  ): FeedWriter {
    return new FeedWriter(
      this.store,
      this.deps.models,
      context,
      this.notify,
      {
        now: this.deps.now ?? (() => new Date()),
        retentionMs: this.deps.retentionDays ? this.deps.retentionDays * 86_400_000 : null,
      },
      this.deps.logger.child({ component: 'feed' }),
      signal,
    );
  }

  /** New watermarks of one company (or all), as they are announced. */
  commits(companyId?: string): AsyncIterableIterator<{ companyId: string; committed: number }> {
    return this.deps.live.subscribe(
      LiveTopic.DIRECTORY_FEED_COMMITTED,
      companyId ? (event) => event.companyId === companyId : undefined,
    );
  }
}
