import type { EventBus } from './event-bus.js';
import type { LiveEvents, LiveTopic, LiveTopics } from './live-events.js';

/** Called for every event this instance publishes (not for events heard from other instances). */
export type LocalPublishListener = <K extends LiveTopic>(topic: K, payload: LiveTopics[K]) => void;

/**
 * The API's LiveEvents on the hub's EventBus, under the same topic names: with the Mongo bus a
 * portal subscribed on instance B sees the status and run progress published on instance A.
 *
 * The bus is shared (Agenda's wake-ups travel on it too), so `close` ends only the subscriptions
 * handed out here; the runtime closes the bus itself, last. `onLocalPublish` lets the runtime
 * react once per change, on the instance where it happened (every instance hears the event).
 */
export class EventBusLiveEvents implements LiveEvents {
  private readonly open = new Set<AsyncIterableIterator<unknown>>();
  private readonly listeners: LocalPublishListener[] = [];
  private closed = false;

  constructor(private readonly bus: EventBus) {}

  onLocalPublish(listener: LocalPublishListener): void {
    this.listeners.push(listener);
  }

  async publish<K extends LiveTopic>(topic: K, payload: LiveTopics[K]): Promise<void> {
    if (this.closed) throw new Error('live events are closed');
    await this.bus.publish(topic, payload);
    for (const listener of this.listeners) listener(topic, payload);
  }

  subscribe<K extends LiveTopic>(
    topic: K,
    filter?: (payload: LiveTopics[K]) => boolean,
  ): AsyncIterableIterator<LiveTopics[K]> {
    const inner = this.bus.subscribe(
      topic,
      filter ? (payload) => filter(payload as LiveTopics[K]) : undefined,
    ) as AsyncIterableIterator<LiveTopics[K]>;
    if (this.closed) void inner.return?.();
    else this.open.add(inner);
    const forget = () => this.open.delete(inner);
    const iterator: AsyncIterableIterator<LiveTopics[K]> = {
      next: async () => {
        const result = await inner.next();
        if (result.done) forget();
        return result;
      },
      return: async (value?: unknown) => {
        forget();
        return (await inner.return?.(value)) ?? { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.open];
    this.open.clear();
    await Promise.all(
      open.map(async (iterator) => {
        await iterator.return?.();
      }),
    );
  }
}
