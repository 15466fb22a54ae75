import { createClient, type Client } from 'graphql-ws';

/**
 * Live connector status for a portal, with what a long-lived WebSocket needs: a fresh token on
 * every (re)connect, client pings that notice a dead link, reconnects with backoff, a new
 * subscription after the hub closed the socket because the JWT expired (4401, which graphql-ws
 * treats as fatal), and a refetch after every reconnect, because events published while the
 * socket was down are not replayed. test/api/live-client-recipe.test.ts runs this file against
 * a hub; docs/api.md shows it (npm run docs).
 */

export interface StatusChange {
  connectorId: string;
  status: string;
  statusReasonCode: string | null;
  statusReason: string | null;
  changedAt: string;
}

export interface WatchOptions {
  /** wss://hub.example.com/graphql */
  url: string;
  /** A valid portal JWT: called on every connect, so refresh it here when it is about to expire. */
  getToken: () => Promise<string>;
  onChange: (change: StatusChange) => void;
  /** Read the screen's data again (e.g. the `connectors` query): called after each reconnect. */
  refetch: () => void;
  /** The credential was refused (4403): sign in again; the watcher has stopped retrying. */
  onRefused: () => void;
  /** Client ping interval (ms); the hub pings too (GRAPHQL_WS_KEEPALIVE_MS). */
  keepAliveMs?: number;
  /** Node.js only (`ws`); browsers have WebSocket built in. */
  webSocketImpl?: unknown;
}

const STATUS = `subscription LiveStatus {
  connectorStatusChanged { connectorId status statusReasonCode statusReason changedAt }
}`;

const closeCode = (error: unknown): number | null =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number'
    ? error.code
    : null;

/** Watches every connector the token's user may see; returns a function that stops it. */
export function watchConnectorStatus(options: WatchOptions): () => void {
  let connectedBefore = false;
  let stopped = false;
  const client: Client = createClient({
    url: options.url,
    ...(options.webSocketImpl ? { webSocketImpl: options.webSocketImpl } : {}),
    // A function, not a value: read again on every connect, so a reconnect sends a fresh JWT.
    connectionParams: async () => ({ authorization: `Bearer ${await options.getToken()}` }),
    keepAlive: options.keepAliveMs ?? 10_000,
    retryAttempts: Infinity,
    // Network drops and hub restarts (1001, 1006) are retried with backoff; a refused
    // credential (4403) is not: the same token would be refused again.
    shouldRetry: (error) => closeCode(error) !== 4403,
    on: {
      connected: () => {
        if (connectedBefore) options.refetch();
        connectedBefore = true;
      },
    },
  });
  let unsubscribe = () => {};
  const subscribe = () => {
    unsubscribe = client.subscribe<{ connectorStatusChanged: StatusChange }>(
      { query: STATUS },
      {
        next: (result) => {
          if (result.data) options.onChange(result.data.connectorStatusChanged);
        },
        error: (error) => {
          if (stopped) return;
          // The JWT expired while connected: subscribe again (getToken gives a fresh one).
          if (closeCode(error) === 4401) subscribe();
          else if (closeCode(error) === 4403) options.onRefused();
        },
        complete: () => {},
      },
    );
  };
  subscribe();
  return () => {
    stopped = true;
    unsubscribe();
    void client.dispose();
  };
}
