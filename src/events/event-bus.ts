/**
 * Publish/subscribe of small status events between the parts of the hub, and between hub
 * instances when the Mongo implementation backs it. Payloads are plain BSON/JSON-friendly objects
 * (strings, numbers, booleans, Dates, nested plain objects and arrays): they cross the database.
 */
export type EventPayload = Record<string, unknown>;

/** Topic name -> payload type. The default accepts any topic with any plain payload. */
export type TopicMap = Record<string, EventPayload>;

export interface EventBus<M extends TopicMap = TopicMap> {
  /** Resolves once the event is stored (Mongo) or handed to local subscribers (memory). */
  publish<K extends keyof M & string>(topic: K, payload: M[K]): Promise<void>;
  /**
   * Events of `topic` published after this call, in publication order, however late this
   * instance reads them; never one published before it (Mongo: decided by sequence number, and
   * for the few milliseconds until the bus has read its position, by the publishing instance's
   * clock to the millisecond). Leaving a `for await` loop (or calling `return()`) unsubscribes.
   */
  subscribe<K extends keyof M & string>(
    topic: K,
    filter?: (payload: M[K]) => boolean,
  ): AsyncIterableIterator<M[K]>;
  /** Ends every subscription and stops tailing; publish fails afterwards. */
  close(): Promise<void>;
}
