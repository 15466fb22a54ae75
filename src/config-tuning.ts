import { z } from 'zod';
import { bool, int } from './config-values.js';

/**
 * The variables that tune the sync engine, real time, GraphQL and the abuse limits, each with its
 * default and description; src/config-schema.ts assembles them with the rest.
 */

export const SYNC = {
  SYNC_POLL_INTERVAL_MS: int(1_000, 86_400_000)
    .default(60_000)
    .describe('Delta poll of every active connector, the safety net of change notifications.'),
  SYNC_RECONCILE_INTERVAL_MS: int(60_000, 30 * 86_400_000)
    .default(86_400_000)
    .describe('Full reconciliation of every active connector.'),
  SYNC_FAILURE_BACKOFF_BASE_MS: int(1_000, 86_400_000)
    .optional()
    .describe(
      'After a failed run the admin must fix, scheduled syncs of that connector wait this long, doubled per failure. Default: the poll interval.',
    ),
  SYNC_FAILURE_BACKOFF_MAX_MS: int(1_000, 7 * 86_400_000)
    .default(3_600_000)
    .describe('The longest failure backoff. Synchronize Now and new credentials never wait.'),
  SYNC_RUN_RETENTION_DAYS: int(1, 3650)
    .default(90)
    .describe('Sync runs and their change logs are kept this long.'),
  GRAPH_MAX_CONCURRENCY_PER_TENANT: int(1, 64)
    .default(4)
    .describe('Graph requests in flight per Entra tenant.'),
  SYNC_MAX_CONCURRENT_RUNS: int(1, 256)
    .default(4)
    .describe('Sync runs one hub instance executes at once (each for a different connector).'),
  SYNC_LOCK_TTL_MS: int(5_000, 3_600_000)
    .default(30_000)
    .describe(
      "A run's lock lapses this long after its instance stops renewing it (a killed process).",
    ),
  SYNC_QUEUE_POLL_MS: int(100, 600_000)
    .default(1_000)
    .describe('How often each instance looks for runs queued elsewhere and for orphaned runs.'),
  SYNC_IDLE_RECORD_INTERVAL_MS: int(0, 86_400_000)
    .default(900_000)
    .describe(
      "An idle poll (Entra reported nothing) writes nothing unless the connector's check was last recorded this long ago; then it records the time and moves its delta links on.",
    ),
  GRAPH_MAX_ATTEMPTS: int(1, 20)
    .default(6)
    .describe(
      'Attempts per Graph request (429 with Retry-After, 5xx, network) before a run gives up.',
    ),
  GRAPH_RETRY_BASE_MS: int(10, 60_000)
    .default(500)
    .describe('First backoff after a 5xx or network failure; doubled per attempt.'),
  GRAPH_MAX_RETRY_AFTER_MS: int(1_000, 3_600_000)
    .default(120_000)
    .describe('A Retry-After longer than this fails the request instead of waiting.'),
};

export const REALTIME = {
  PUBSUB_MODE: z
    .enum(['mongo', 'memory'])
    .default('mongo')
    .describe(
      '`mongo` shares live events across hub instances; `memory` is for one instance only.',
    ),
  LIVE_EVENTS_CAPPED_BYTES: int(65_536, 1_073_741_824)
    .default(33_554_432)
    .describe(
      'Size of the `live_events` capped collection that carries live events between instances.',
    ),
  GRAPH_SUBSCRIPTION_LIFETIME_MINUTES: int(45, 41_760)
    .default(41_000)
    .describe(
      'Lifetime asked for Graph subscriptions; Graph caps user and group subscriptions at 41,760 minutes.',
    ),
  WEBHOOK_MAX_BODY_BYTES: int(1_024, 16_777_216)
    .default(1_048_576)
    .describe('Largest Graph notification body the receiver reads; larger ones get 413.'),
};

export const GRAPHQL = {
  GRAPHQL_MAX_TOKENS: int(100, 100_000)
    .default(1_000)
    .describe('Tokens per GraphQL document (GraphQL Armor; HTTP and WebSocket alike).'),
  GRAPHQL_MAX_DEPTH: int(2, 50).default(12).describe('Depth of a GraphQL operation.'),
  // A portal page of 20 runs with their counts costs between 5,000 and 10,000 (first: 20 multiplies).
  GRAPHQL_MAX_COST: int(100, 1_000_000)
    .default(20_000)
    .describe('Cost of a GraphQL operation (list sizes multiply).'),
  GRAPHQL_MAX_ALIASES: int(0, 1_000).default(15).describe('Aliases per GraphQL operation.'),
  GRAPHQL_MAX_DIRECTIVES: int(0, 1_000).default(20).describe('Directives per GraphQL operation.'),
  GRAPHQL_WS_KEEPALIVE_MS: int(0, 300_000)
    .default(12_000)
    .describe(
      'graphql-ws keep-alive: a WebSocket ping to every client this often; a socket that has not answered the previous one by then is dropped (0 = no pings).',
    ),
  GRAPHQL_INTROSPECTION: bool
    .optional()
    .describe(
      'Schema introspection. Default: on with NODE_ENV=development only; refused in production.',
    ),
  HTTP_MAX_BODY_BYTES: int(1_024, 10_485_760)
    .default(102_400)
    .describe(
      'Largest GraphQL request body over HTTP (and message over WebSocket); larger ones get 413.',
    ),
};

export const LIMITS = {
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: int(0, 1_000_000)
    .default(120)
    .describe(
      'Requests per minute per client address without valid credentials (0 = no limit; shared by all instances).',
    ),
  RATE_LIMIT_CALLER_PER_MINUTE: int(0, 1_000_000)
    .default(600)
    .describe(
      'GraphQL operations per minute per caller, a portal user or a connector token (0 = no limit).',
    ),
  WS_MAX_CONNECTIONS_PER_CALLER: int(0, 10_000)
    .default(20)
    .describe('Open graphql-ws connections per caller (0 = no limit).'),
  WS_MAX_SUBSCRIPTIONS_PER_CALLER: int(0, 10_000)
    .default(100)
    .describe('Live-event subscriptions per caller (0 = no limit).'),
  TRUSTED_PROXY_HOPS: int(0, 10)
    .default(0)
    .describe('Proxies in front of the hub whose X-Forwarded-For entries are trusted.'),
};
