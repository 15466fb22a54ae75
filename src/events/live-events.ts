import type { ConnectorStatus, ConnectorStatusReasonCode } from '../domain/connector.js';

/**
 * Live status for GraphQL subscriptions. Publishers (the connector services, the sync engine)
 * and subscribers (subscription resolvers) only know this interface; the in-memory
 * implementation serves one hub instance, and a MongoDB capped-collection one (another issue)
 * fans events out across instances. Payloads stay plain JSON/BSON-friendly objects for that.
 */
export enum LiveTopic {
  CONNECTOR_STATUS_CHANGED = 'CONNECTOR_STATUS_CHANGED',
  SYNC_RUN_UPDATED = 'SYNC_RUN_UPDATED',
  /** A credential stopped being valid: every instance closes the sockets opened with it. */
  CREDENTIAL_REVOKED = 'CREDENTIAL_REVOKED',
  /** A company's change feed has new entries (wakes deliveries and `directoryChanged`). */
  DIRECTORY_FEED_COMMITTED = 'DIRECTORY_FEED_COMMITTED',
}

export enum RevocationReason {
  TOKEN_ROTATED = 'TOKEN_ROTATED',
  CONNECTOR_UNINSTALLED = 'CONNECTOR_UNINSTALLED',
  CONNECTOR_DISABLED = 'CONNECTOR_DISABLED',
  COMPANY_REMOVED = 'COMPANY_REMOVED',
}

/**
 * With a `connectorId`: that connector's token (the old one, after a rotation). With `''`:
 * every credential of the company (its admins' JWTs and its connector's token). A string either
 * way, as on every live topic (listeners read `connectorId` whatever the topic).
 */
export interface CredentialRevokedEvent extends Record<string, unknown> {
  companyId: string;
  connectorId: string;
  reason: RevocationReason;
}

export interface ConnectorStatusChangedEvent extends Record<string, unknown> {
  connectorId: string;
  companyId: string;
  /** Carried so subscriptions filter by the caller's scope without a database read. */
  partnerId: string;
  status: ConnectorStatus;
  /** Null on the first event of a connector this instance saw no earlier state of. */
  previousStatus: ConnectorStatus | null;
  statusReason: string | null;
  /** Absent on events published by a hub from before reason codes. */
  statusReasonCode?: ConnectorStatusReasonCode | null;
  changedAt: Date;
}

/** Owned by the sync engine; the fields here are the ones scope filtering needs. */
export interface SyncRunUpdatedEvent extends Record<string, unknown> {
  runId: string;
  connectorId: string;
  companyId: string;
  partnerId: string;
}

/** Entries up to `committed` of the company's feed are readable. */
export interface DirectoryFeedCommittedEvent extends Record<string, unknown> {
  companyId: string;
  connectorId: string;
  committed: number;
}

export interface LiveTopics {
  [LiveTopic.CONNECTOR_STATUS_CHANGED]: ConnectorStatusChangedEvent;
  [LiveTopic.SYNC_RUN_UPDATED]: SyncRunUpdatedEvent;
  [LiveTopic.CREDENTIAL_REVOKED]: CredentialRevokedEvent;
  [LiveTopic.DIRECTORY_FEED_COMMITTED]: DirectoryFeedCommittedEvent;
}

export interface LiveEvents {
  /** Resolves once the event is handed to subscribers (or stored, for a shared implementation). */
  publish<K extends LiveTopic>(topic: K, payload: LiveTopics[K]): Promise<void>;
  /**
   * Events of `topic` published after this call, in order. Leaving a `for await` loop (or
   * calling `return()`) unsubscribes.
   */
  subscribe<K extends LiveTopic>(
    topic: K,
    filter?: (payload: LiveTopics[K]) => boolean,
  ): AsyncIterableIterator<LiveTopics[K]>;
  /** Ends every subscription; publishing afterwards fails. */
  close(): Promise<void>;
}

/** A slow subscriber never holds up publishers: past this many queued events it is dropped. */
const MAX_QUEUED = 1_000;

interface Subscriber {
  push(payload: unknown): void;
  end(): void;
}

export class InMemoryLiveEvents implements LiveEvents {
  private readonly subscribers = new Map<LiveTopic, Set<Subscriber>>();
  private closed = false;

  publish<K extends LiveTopic>(topic: K, payload: LiveTopics[K]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('live events are closed'));
    for (const subscriber of this.subscribers.get(topic) ?? []) subscriber.push(payload);
    return Promise.resolve();
  }

  subscribe<K extends LiveTopic>(
    topic: K,
    filter?: (payload: LiveTopics[K]) => boolean,
  ): AsyncIterableIterator<LiveTopics[K]> {
    const queue: LiveTopics[K][] = [];
    let waiting: ((result: IteratorResult<LiveTopics[K]>) => void) | null = null;
    let done = this.closed;
    const set = this.subscribers.get(topic) ?? new Set<Subscriber>();
    this.subscribers.set(topic, set);

    const finish = (): IteratorResult<LiveTopics[K]> => {
      done = true;
      set.delete(subscriber);
      queue.length = 0;
      if (waiting) waiting({ value: undefined, done: true });
      waiting = null;
      return { value: undefined, done: true };
    };
    const subscriber: Subscriber = {
      push(raw) {
        const payload = raw as LiveTopics[K];
        if (done || (filter && !filter(payload))) return;
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve({ value: payload, done: false });
        } else if (queue.length >= MAX_QUEUED) {
          finish();
        } else {
          queue.push(payload);
        }
      },
      end: () => void finish(),
    };
    if (!done) set.add(subscriber);

    const iterator: AsyncIterableIterator<LiveTopics[K]> = {
      next: () => {
        const value = queue.shift();
        if (value !== undefined) return Promise.resolve({ value, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Live subscriptions of a topic (tests wait for a subscription to be in place). */
  subscriberCount(topic: LiveTopic): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const set of this.subscribers.values()) for (const s of [...set]) s.end();
    this.subscribers.clear();
    return Promise.resolve();
  }
}
