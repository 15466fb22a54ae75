import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlErrorEntry {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

/** A GraphQL answer with errors: the message lists each error with its code. */
export class GraphqlRequestError extends Error {
  constructor(
    readonly errors: readonly GraphqlErrorEntry[],
    readonly status: number,
  ) {
    super(
      errors
        .map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message))
        .join('; ') || `HTTP ${status}`,
    );
    this.name = 'GraphqlRequestError';
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/**
 * A minimal client of the hub's GraphQL API over HTTP (queries, mutations) and graphql-ws
 * (subscriptions). `authorization` is the whole header value: `Bearer <jwt>` or
 * `Connector <token>`.
 */
export class HubGraphqlClient {
  constructor(
    readonly url: string,
    private readonly authorization: string | null,
  ) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.authorization ? { authorization: this.authorization } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body: { data?: T | null; errors?: GraphqlErrorEntry[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new GraphqlRequestError(
        [{ message: `not a GraphQL answer: ${text.slice(0, 200)}` }],
        response.status,
      );
    }
    if (body.errors && body.errors.length > 0) {
      throw new GraphqlRequestError(body.errors, response.status);
    }
    if (body.data === undefined || body.data === null) {
      throw new GraphqlRequestError([{ message: 'empty answer' }], response.status);
    }
    return body.data;
  }

  /** A graphql-ws client on the same URL (ws:// or wss://); dispose it when done. */
  subscriptions(): Client {
    const wsUrl = this.url.replace(/^http/, 'ws');
    return createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: this.authorization ? { authorization: this.authorization } : {},
    });
  }

  /** Yields each `next` payload of a subscription until it completes or `signal` aborts. */
  async *subscribe<T>(
    query: string,
    variables: Record<string, unknown> = {},
  ): AsyncGenerator<T, void, void> {
    const client = this.subscriptions();
    const iterator = client.iterate<T>({ query, variables });
    try {
      for await (const result of iterator) {
        if (result.errors && result.errors.length > 0) {
          throw new GraphqlRequestError(result.errors, 200);
        }
        if (result.data) yield result.data;
      }
    } catch (error) {
      // graphql-ws rejects with the server's error list (e.g. a validation error) or a close event.
      if (Array.isArray(error)) throw new GraphqlRequestError(error as GraphqlErrorEntry[], 200);
      if (error instanceof Error) throw error;
      const closed = error as { code?: number; reason?: string };
      throw new GraphqlRequestError(
        [{ message: `subscription closed (${closed.code ?? '?'} ${closed.reason ?? ''})`.trim() }],
        0,
      );
    } finally {
      await iterator.return?.();
      await client.dispose();
    }
  }
}
