import type { EventPayload } from './event-bus.js';
import { SubscriberQueue } from './subscriber-queue.js';

interface Subscriber {
  filter: ((payload: EventPayload) => boolean) | undefined;
  queue: SubscriberQueue<EventPayload>;
}

/** Local subscribers by topic; both bus implementations deliver through one of these. */
export class Fanout {
  private readonly byTopic = new Map<string, Set<Subscriber>>();

  constructor(private readonly maxBufferedPerSubscriber?: number) {}

  /** A subscription for one bus; already ended when the bus is closed. */
  open<T extends EventPayload>(
    topic: string,
    filter: ((payload: T) => boolean) | undefined,
    closed: boolean,
  ): AsyncIterableIterator<T> {
    const queue = this.subscribe(topic, filter as ((p: EventPayload) => boolean) | undefined);
    if (closed) queue.end();
    return queue as AsyncIterableIterator<T>;
  }

  subscribe(
    topic: string,
    filter: ((payload: EventPayload) => boolean) | undefined,
  ): SubscriberQueue<EventPayload> {
    const subscribers = this.byTopic.get(topic) ?? new Set<Subscriber>();
    this.byTopic.set(topic, subscribers);
    const subscriber: Subscriber = {
      filter,
      queue: new SubscriberQueue<EventPayload>(() => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0) this.byTopic.delete(topic);
      }, this.maxBufferedPerSubscriber),
    };
    subscribers.add(subscriber);
    return subscriber.queue;
  }

  deliver(topic: string, payload: EventPayload): void {
    for (const subscriber of this.byTopic.get(topic) ?? []) {
      let wanted = true;
      try {
        wanted = subscriber.filter ? subscriber.filter(payload) : true;
      } catch {
        // A throwing filter is the subscriber's bug; it must not starve the other subscribers.
        wanted = false;
      }
      if (wanted) subscriber.queue.push(payload);
    }
  }

  get subscriberCount(): number {
    let count = 0;
    for (const set of this.byTopic.values()) count += set.size;
    return count;
  }

  endAll(): void {
    for (const set of this.byTopic.values()) for (const s of set) s.queue.end();
    this.byTopic.clear();
  }
}
