import type { EventPayload } from './event-bus.js';
import { SubscriberQueue } from './subscriber-queue.js';

/** Where an event stands: its sequence number on the bus and when it was published (epoch ms). */
export interface EventPosition {
  seq: number;
  publishedAt: number;
}

interface Subscriber {
  filter: ((payload: EventPayload) => boolean) | undefined;
  queue: SubscriberQueue<EventPayload>;
  /** When the subscription was made (epoch ms). */
  since: number;
  /**
   * The last sequence number taken when the bus read its position, after `since`: a higher one
   * was published after the subscription was made. Undefined while it is being read; events
   * delivered meanwhile wait in `early`.
   */
  after: number | undefined;
  early: { position: EventPosition | undefined; payload: EventPayload }[];
}

/**
 * Local subscribers by topic; both bus implementations deliver through one of these.
 *
 * A bus that reads events some time after they were published (the Mongo bus tails a
 * collection) passes each event's position to `deliver`, and a start position to `open`: an event
 * read late must still never reach a subscriber that connected after it was published. An event
 * is the subscriber's when its sequence number is above the start position (taken after the
 * subscription, so no clock is involved) or, for the few published between the subscription and
 * that read, when it was published at or after `since` (to the millisecond, on the publishing
 * instance's clock).
 */
export class Fanout {
  private readonly byTopic = new Map<string, Set<Subscriber>>();

  constructor(
    private readonly maxBuffered = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A subscription for one bus; already ended when the bus is closed. `start` resolves to the
   * last sequence number taken when it was read (it must not reject; +Infinity leaves the
   * decision to the clock). Without it, every event delivered from now on is the subscriber's.
   */
  open<T extends EventPayload>(
    topic: string,
    filter: ((payload: T) => boolean) | undefined,
    closed: boolean,
    start?: Promise<number>,
  ): AsyncIterableIterator<T> {
    const subscriber = this.subscribe(
      topic,
      filter as ((p: EventPayload) => boolean) | undefined,
      start === undefined ? Number.NEGATIVE_INFINITY : undefined,
    );
    if (closed) subscriber.queue.end();
    void start?.then((after) => this.place(subscriber, after));
    return subscriber.queue as AsyncIterableIterator<T>;
  }

  /** Hands `payload` to the topic's subscribers it is meant for. */
  deliver(topic: string, payload: EventPayload, position?: EventPosition): void {
    for (const subscriber of this.byTopic.get(topic) ?? []) {
      if (!wants(subscriber, payload)) continue;
      if (subscriber.after === undefined) {
        subscriber.early.push({ position, payload });
        // Bounded like the queue, should reading the start position hang (database down).
        if (subscriber.early.length > this.maxBuffered) subscriber.early.shift();
      } else if (isAfterStart(subscriber.after, subscriber.since, position)) {
        subscriber.queue.push(payload);
      }
    }
  }

  /** Live subscriptions of `topic`. */
  subscriberCount(topic: string): number {
    return this.byTopic.get(topic)?.size ?? 0;
  }

  endAll(): void {
    for (const set of this.byTopic.values()) for (const s of set) s.queue.end();
    this.byTopic.clear();
  }

  private subscribe(
    topic: string,
    filter: ((payload: EventPayload) => boolean) | undefined,
    after: number | undefined,
  ): Subscriber {
    const subscribers = this.byTopic.get(topic) ?? new Set<Subscriber>();
    this.byTopic.set(topic, subscribers);
    const subscriber: Subscriber = {
      filter,
      since: this.now(),
      after,
      early: [],
      queue: new SubscriberQueue<EventPayload>(() => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) this.byTopic.delete(topic);
      }, this.maxBuffered),
    };
    subscribers.add(subscriber);
    return subscriber;
  }

  private place(subscriber: Subscriber, after: number): void {
    subscriber.after = after;
    for (const { position, payload } of subscriber.early.splice(0)) {
      if (isAfterStart(after, subscriber.since, position)) subscriber.queue.push(payload);
    }
  }
}

/** An event without a position (a bus that delivers as it publishes) is always after. */
function isAfterStart(after: number, since: number, position?: EventPosition): boolean {
  return !position || position.seq > after || position.publishedAt >= since;
}

function wants(subscriber: Subscriber, payload: EventPayload): boolean {
  try {
    return subscriber.filter ? subscriber.filter(payload) : true;
  } catch {
    // A throwing filter is the subscriber's bug; it must not starve the other subscribers.
    return false;
  }
}
