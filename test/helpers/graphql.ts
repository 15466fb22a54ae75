/**
 * The portal's side of the API, for every kind of hub a test starts (an in-process API hub, an
 * in-process runtime, a hub process, the dev stack): GraphQL over HTTP, live events over
 * graphql-ws, recorded, and the status subscription the portal keeps open.
 */
import { createClient, type Client as WsClient, type EventClosedListener } from 'graphql-ws';
import WebSocket from 'ws';
import { waitFor } from './wait.js';

export interface GqlAnswer<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown } }[];
  /** The response text, for "never contains the secret" checks. */
  raw: string;
}

/** `Bearer` for a bare JWT; a value with a scheme ("Connector ehct_...", "Basic ...") as given. */
export function authorization(auth: string): string {
  return auth.includes(' ') ? auth : `Bearer ${auth}`;
}

/** `url` is the hub (`http://host:port`) or its GraphQL endpoint itself. */
function endpoint(url: string): string {
  return url.endsWith('/graphql') ? url : `${url}/graphql`;
}

/** One operation over HTTP, whatever it answers. */
export async function gqlAnswer<T = Record<string, unknown>>(
  url: string,
  auth: string | null,
  query: string,
  variables: Record<string, unknown> = {},
  timeoutMs = 10_000,
): Promise<GqlAnswer<T>> {
  const response = await fetch(endpoint(url), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(auth ? { authorization: authorization(auth) } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const raw = await response.text();
  const parsed = JSON.parse(raw) as Omit<GqlAnswer<T>, 'status' | 'raw'>;
  return { status: response.status, raw, ...parsed };
}

/** The data of an operation; throws with the errors when there are any. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  auth: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const answer = await gqlAnswer<T>(url, auth, query, variables);
  if (answer.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors)}`);
  return answer.data as T;
}

/** A graphql-ws client; refusals show in the subscriptions' error sinks, never on the console. */
export function wsClient(
  url: string,
  auth: string | null,
  on: { connected?: () => void; closed?: EventClosedListener } = {},
  connectionParams?: Record<string, string>,
): WsClient {
  return createClient({
    url: endpoint(url).replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: connectionParams ?? (auth ? { authorization: authorization(auth) } : {}),
    retryAttempts: 0,
    lazy: false,
    // The default (console.error) would fail the test through the console guard.
    onNonLazyError: () => undefined,
    on: { error: () => undefined, ...on },
  });
}

export interface Recording<T> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves with the first event (already received or later) that matches. */
  next(match: (event: T) => boolean, what?: string, timeoutMs?: number): Promise<T>;
  /** Ends the subscription (the client stays open). */
  stop(): void;
  /** Ends the subscription and closes the client when the recording opened it. */
  dispose(): Promise<void>;
}

/**
 * Subscribes on `client` and records what arrives under `field`. With `ready`, resolves once it
 * says the server has the subscription in place (or the subscription failed or completed).
 */
export async function recordSubscription<T>(
  client: WsClient,
  operation: { query: string; variables?: Record<string, unknown>; field: string },
  options: { ready?: () => boolean; ownsClient?: boolean } = {},
): Promise<Recording<T>> {
  const recording: Recording<T> = {
    events: [],
    errors: [],
    completed: false,
    next: (match, what = 'a subscription event', timeoutMs = 10_000) =>
      waitFor(() => recording.events.find(match), timeoutMs, what),
    stop: () => unsubscribe(),
    dispose: async () => {
      unsubscribe();
      // dispose() rejects with the close event when the connection was refused: already closed.
      if (options.ownsClient) await Promise.resolve(client.dispose()).catch(() => undefined);
    },
  };
  const unsubscribe = client.subscribe<Record<string, T>>(
    { query: operation.query, variables: operation.variables ?? {} },
    {
      next: (result) => {
        if (result.errors) recording.errors.push(...result.errors);
        const value = result.data?.[operation.field];
        if (value !== undefined) recording.events.push(value);
      },
      error: (error) => void recording.errors.push(error),
      complete: () => void (recording.completed = true),
    },
  );
  const { ready } = options;
  if (ready) {
    await waitFor(
      () => ready() || recording.errors.length > 0 || recording.completed,
      5_000,
      'the subscription to start',
      5,
    );
  }
  return recording;
}

/**
 * A subscription over a client of its own, recorded. Resolves once the server acknowledged the
 * connection; `ready` (when the test can see the hub's live events) says when it is in place.
 */
export async function subscribeOverWs<T>(
  url: string,
  auth: string,
  operation: { query: string; variables?: Record<string, unknown>; field: string },
  ready?: () => boolean,
): Promise<Recording<T>> {
  let connected = false;
  const client = wsClient(url, auth, { connected: () => void (connected = true) });
  const recording = await recordSubscription<T>(client, operation, { ownsClient: true });
  await waitFor(() => connected || recording.errors.length > 0, 5_000, 'the graphql-ws connection');
  if (ready) await waitFor(ready, 5_000, 'the subscription to start', 5);
  return recording;
}

/** The portal's live status: every connector the caller may see, or one. */
export const STATUS_SUBSCRIPTION = `subscription($companyId: ID, $connectorId: ID) {
  connectorStatusChanged(companyId: $companyId, connectorId: $connectorId) {
    connectorId companyId status previousStatus statusReason statusReasonCode changedAt
  }
}`;

export interface StatusEvent {
  connectorId: string;
  companyId: string;
  status: string | null;
  previousStatus: string | null;
  statusReason: string | null;
  statusReasonCode: string | null;
  changedAt: string;
}

/** STATUS_SUBSCRIPTION, recorded, on a client of its own. */
export function subscribeToStatus(
  url: string,
  auth: string,
  variables: { companyId?: string; connectorId?: string } = {},
  ready?: () => boolean,
): Promise<Recording<StatusEvent>> {
  return subscribeOverWs<StatusEvent>(
    url,
    auth,
    { query: STATUS_SUBSCRIPTION, variables, field: 'connectorStatusChanged' },
    ready,
  );
}
