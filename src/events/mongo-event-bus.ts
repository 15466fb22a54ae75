import { randomUUID } from 'node:crypto';
import type { Db, FindCursor } from 'mongodb';
import type { Logger } from 'pino';
import type { EventBus, EventPayload, TopicMap } from './event-bus.js';
import { Fanout } from './fanout.js';
import {
  LIVE_EVENTS_COLLECTION,
  LiveEventLog,
  START_TOPIC,
  type StoredEvent,
} from './live-event-log.js';
import { busClosed } from './memory-event-bus.js';

export { LIVE_EVENTS_COLLECTION };

export interface MongoEventBusOptions {
  db: Db;
  /** Size of the capped collection: old events roll off, nothing else cleans it. */
  cappedBytes: number;
  logger: Logger;
  collectionName?: string;
  /** How long one getMore waits for new events before returning an empty batch. */
  maxAwaitTimeMs?: number;
  /** Reconnect backoff after a cursor error (database down, restarted, collection dropped). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /**
   * How far back (in sequence numbers) a resumed cursor re-reads. Sequence numbers are handed out
   * before the insert, so two instances can insert 41 before 40; re-reading a window and skipping
   * what was already delivered means a reconnect in that instant loses neither.
   */
  resumeWindow?: number;
  maxBufferedPerSubscriber?: number;
  /**
   * Ids are handed out before the insert, so another instance's lower id can be inserted after
   * a higher one; delivery waits for it (polling for it every `gapPollMs`) at most this long,
   * then treats it as a publish that failed.
   */
  gapTimeoutMs?: number;
  gapPollMs?: number;
}

interface PendingPublish {
  topic: string;
  payload: EventPayload;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Live events across hub instances through a capped collection (LiveEventLog), because the CI
 * database (FerretDB v1) has no change streams. Each process runs ONE tailable cursor and fans
 * events out to its local subscribers, in id order; publishing batches concurrent publishes into
 * one insert.
 *
 * One class of about 300 lines on purpose: the cursor, the reorder buffer and the gap timer share
 * one state machine (the next id to deliver), and splitting them would put that state behind
 * accessors read on every event.
 */
export class MongoEventBus<M extends TopicMap = TopicMap> implements EventBus<M> {
  private readonly fanout: Fanout;
  private readonly events: LiveEventLog;
  private readonly origin = randomUUID();
  private readonly options: Required<Omit<MongoEventBusOptions, 'db' | 'logger'>>;
  private readonly log: Logger;
  /** Where a (re)opened cursor starts: an id that exists, a resume window below `next`. */
  private floor = 0;
  /** The next id to deliver: events are delivered in id order, so per origin in order too. */
  private next = 1;
  /** Events read ahead of a gap (a lower id allocated but not yet visible). */
  private readonly held = new Map<number, StoredEvent>();
  private gapSince: number | undefined;
  private gapTimer: NodeJS.Timeout | undefined;
  /** Gaps given up on (a publish that failed after taking its id); for tests and health. */
  skippedIds = 0;
  private cursor: FindCursor<StoredEvent> | undefined;
  private tailing: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private closed = false;
  private pending: PendingPublish[] = [];
  private flushing: Promise<void> | undefined;
  /** Cursor (re)opens after the first; exposed for tests and health checks. */
  reconnects = 0;

  private constructor(db: Db, options: MongoEventBusOptions) {
    this.options = {
      cappedBytes: options.cappedBytes,
      collectionName: options.collectionName ?? LIVE_EVENTS_COLLECTION,
      maxAwaitTimeMs: options.maxAwaitTimeMs ?? 1_000,
      retryInitialMs: options.retryInitialMs ?? 100,
      retryMaxMs: options.retryMaxMs ?? 5_000,
      resumeWindow: options.resumeWindow ?? 1_000,
      maxBufferedPerSubscriber: options.maxBufferedPerSubscriber ?? 10_000,
      gapTimeoutMs: options.gapTimeoutMs ?? 2_000,
      gapPollMs: options.gapPollMs ?? 25,
    };
    this.log = options.logger.child({ component: 'mongo-event-bus' });
    this.events = new LiveEventLog(db, this.options.collectionName, this.options.cappedBytes);
    this.fanout = new Fanout(this.options.maxBufferedPerSubscriber);
  }

  /** Creates the capped collection if needed, positions at its end and starts tailing. */
  static async start<M extends TopicMap = TopicMap>(
    options: MongoEventBusOptions,
  ): Promise<MongoEventBus<M>> {
    const bus = new MongoEventBus<M>(options.db, options);
    await bus.events.ensure();
    bus.floor = await bus.events.lastId();
    bus.next = bus.floor + 1;
    bus.tailing = bus.tailLoop();
    return bus;
  }

  publish<K extends keyof M & string>(topic: K, payload: M[K]): Promise<void> {
    if (this.closed) return Promise.reject(busClosed());
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ topic, payload, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  subscribe<K extends keyof M & string>(
    topic: K,
    filter?: (payload: M[K]) => boolean,
  ): AsyncIterableIterator<M[K]> {
    const start = this.closed ? undefined : this.startPosition();
    return this.fanout.open(topic, filter, this.closed, start);
  }

  /** Live subscriptions of `topic` on this instance (tests wait for a subscriber with it). */
  subscriberCount(topic: keyof M & string): number {
    return this.fanout.subscriberCount(topic);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.gapTimer);
    this.wake?.();
    await this.cursor?.close().catch(() => undefined);
    await this.tailing;
    await this.flushing;
    this.fanout.endAll();
  }

  /** One flush at a time per process, so this instance's events keep their publication order. */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, 500);
      try {
        await this.events.append(batch, this.origin);
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    // Cleared in the same synchronous step as the emptiness check above: a publish that comes
    // after it starts a new flush, one that came before it was in the batch.
    this.flushing = undefined;
  }

  /**
   * Where a new subscription starts (see Fanout): the last id taken when this read runs, after
   * the subscription was made. An event can reach this instance's tail some milliseconds after
   * it was published, or much later after a gap or a reconnect; one that took its id before that
   * read and was published before the subscription is not the subscriber's. Without the read
   * (database down) the publication time alone decides.
   */
  private async startPosition(): Promise<number> {
    try {
      // A counter behind the collection (lost, restored) is repaired at the next publish.
      return Math.max(await this.events.lastTakenId(), this.next - 1);
    } catch (error) {
      // Closing ends the subscription anyway; otherwise the database is failing.
      if (!this.closed) {
        this.log.warn(
          { err: describe(error) },
          'could not read the live events position; a new subscription goes by publication time',
        );
      }
      return Number.POSITIVE_INFINITY;
    }
  }

  private async tailLoop(): Promise<void> {
    let failures = 0;
    let opened = false;
    while (!this.closed) {
      let received = false;
      try {
        if (opened) this.reconnects += 1;
        opened = true;
        this.cursor = this.events.tail(this.floor, this.options.maxAwaitTimeMs);
        for await (const doc of this.cursor) {
          if (this.closed) break;
          this.accept(doc);
          received = true;
        }
        // The server ended the cursor without an error (it may kill idle cursors): reopen soon.
        failures = 0;
      } catch (error) {
        if (this.closed) break;
        failures = received ? 1 : failures + 1;
        this.log.warn(
          { err: describe(error), failures },
          'live events cursor failed; resuming after a pause',
        );
        await this.repairPosition();
      } finally {
        await this.cursor?.close().catch(() => undefined);
        this.cursor = undefined;
      }
      if (this.closed) break;
      const { retryInitialMs, retryMaxMs } = this.options;
      const delay = Math.min(retryInitialMs * 2 ** Math.max(failures - 1, 0), retryMaxMs);
      await this.sleep(delay + Math.floor(Math.random() * delay * 0.2));
    }
  }

  private accept(doc: StoredEvent): void {
    if (doc._id < this.next) return;
    this.held.set(doc._id, doc);
    this.deliverInOrder();
  }

  /**
   * Delivers held events from `next` on while they are consecutive. Sequence numbers are taken
   * before the insert, so under concurrent publishes from several instances id 41 can become
   * visible before 40, and a tailable cursor on FerretDB never returns 40 once it is past it.
   * Delivering strictly in id order (fetching the missing id directly) keeps each instance's
   * publication order and loses nothing; the wait is the few ms between allocating and inserting.
   */
  private deliverInOrder(): void {
    for (let doc = this.held.get(this.next); doc; doc = this.held.get(this.next)) {
      this.held.delete(this.next);
      this.next += 1;
      if (doc.topic === START_TOPIC) continue;
      const position = { seq: doc._id, publishedAt: new Date(doc.publishedAt).getTime() };
      this.fanout.deliver(doc.topic, doc.payload, position);
    }
    // Keep the resume window: a reopened cursor re-reads from here and skips what it saw.
    this.floor = Math.max(this.floor, this.next - 1 - this.options.resumeWindow);
    if (this.held.size === 0) {
      this.gapSince = undefined;
      return;
    }
    this.gapSince ??= Date.now();
    this.gapTimer ??= setTimeout(() => {
      this.gapTimer = undefined;
      void this.fillGap();
    }, this.options.gapPollMs);
  }

  private async fillGap(): Promise<void> {
    if (this.closed || this.held.size === 0) return;
    const upTo = Math.min(...this.held.keys());
    try {
      const missing = await this.events.range(this.next, upTo);
      for (const doc of missing) this.held.set(doc._id, doc);
    } catch (error) {
      this.log.debug({ err: describe(error) }, 'could not read a gap in the live events');
    }
    if (
      !this.held.has(this.next) &&
      Date.now() - (this.gapSince ?? Date.now()) >= this.options.gapTimeoutMs
    ) {
      // Allocated but never inserted (the publish failed): nothing will ever fill it.
      this.skippedIds += upTo - this.next;
      this.log.debug({ from: this.next, to: upTo - 1 }, 'live event ids never published; skipped');
      this.next = upTo;
      this.gapSince = undefined;
    }
    this.deliverInOrder();
  }

  /**
   * After an error: recreate the collection if it was dropped, and if it restarted below our
   * position (dropped, restored) start again from its end, since `$gte floor` would match nothing.
   */
  private async repairPosition(): Promise<void> {
    try {
      await this.events.ensure();
      const last = await this.events.lastId();
      if (last < this.next - 1) {
        this.floor = last;
        this.next = last + 1;
        this.held.clear();
      }
    } catch {
      // Still down: the next attempt repairs again.
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function describe(error: unknown): { name: string; message: string; code?: unknown } {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, code: (error as { code?: unknown }).code };
  }
  return { name: 'unknown', message: String(error) };
}
