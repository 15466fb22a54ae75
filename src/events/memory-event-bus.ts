import { AppError, ErrorCode } from '../domain/errors.js';
import type { EventBus, TopicMap } from './event-bus.js';
import { Fanout } from './fanout.js';

/**
 * One-instance bus (PUBSUB_MODE=memory, unit tests). Payloads are cloned on publish so that a
 * subscriber sees the same thing it would after a round trip through the database.
 */
export class MemoryEventBus<M extends TopicMap = TopicMap> implements EventBus<M> {
  private readonly fanout = new Fanout();
  private closed = false;

  publish<K extends keyof M & string>(topic: K, payload: M[K]): Promise<void> {
    if (this.closed) return Promise.reject(busClosed());
    this.fanout.deliver(topic, structuredClone(payload));
    return Promise.resolve();
  }

  subscribe<K extends keyof M & string>(
    topic: K,
    filter?: (payload: M[K]) => boolean,
  ): AsyncIterableIterator<M[K]> {
    return this.fanout.open(topic, filter, this.closed);
  }

  /** Live subscriptions of `topic` (tests wait for a subscriber with it). */
  subscriberCount(topic: keyof M & string): number {
    return this.fanout.subscriberCount(topic);
  }

  close(): Promise<void> {
    this.closed = true;
    this.fanout.endAll();
    return Promise.resolve();
  }
}

export function busClosed(): AppError {
  return new AppError(ErrorCode.INTERNAL_SERVER_ERROR, 'the event bus is closed');
}
