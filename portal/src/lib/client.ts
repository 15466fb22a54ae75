import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';

export interface HubClient {
  client: Client;
  /** Closes the WebSocket (sign-out, or a new token). */
  dispose(): void;
}

/** `/graphql` on the page's own origin: HTTP for queries and mutations, graphql-ws for events. */
export function graphqlUrls(): { http: string; ws: string } {
  const { protocol, host } = window.location;
  return {
    http: `${protocol}//${host}/graphql`,
    ws: `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql`,
  };
}

/**
 * One urql client per signed-in admin. The same credential goes in the `Authorization` header
 * (HTTP) and in `connection_init` (WebSocket), as docs/api.md describes. The document cache
 * refetches the queries that returned a type a mutation touched (e.g. `Connector`).
 */
export function createHubClient(authorization: string): HubClient {
  const urls = graphqlUrls();
  const ws: WsClient = createWsClient({
    url: urls.ws,
    connectionParams: { authorization },
    lazy: true,
    // A hub restart (npm run dev) drops the socket: come back, and let screens re-query.
    retryAttempts: 30,
  });
  const client = new Client({
    url: urls.http,
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    fetchOptions: () => ({ headers: { authorization } }),
    // POST always: the hub (Apollo's CSRF prevention) refuses a GET without a preflight header.
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
  });
  return { client, dispose: () => void ws.dispose() };
}
