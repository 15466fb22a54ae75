import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_SCHEMA, PROVISION_SCHEMA, type HubEnv } from './config-schema.js';
import { defaultBinaryCacheDirs } from './db/provision/memory-server.js';
import type { ProvisionOptions } from './db/provision/provision.js';
import { crossFieldProblems, parseEncryptionKeys, type EncryptionKey } from './config-checks.js';
import { outboundSettings, type OutboundSettings } from './outbound/outbound-settings.js';

export { secretValueProblem, type EncryptionKey } from './config-checks.js';

/**
 * The only reader of process.env. `loadConfig` validates everything at boot against
 * src/config-schema.ts and refuses to start with one message listing every missing or invalid
 * variable. docs/reference/configuration.md (generated from the schema) documents each.
 */

export interface Config {
  env: 'development' | 'test' | 'production';
  http: {
    host: string;
    port: number;
    publicBaseUrl?: string;
    portalUrl?: string;
    /** Browser origins allowed by CORS on /graphql; empty: CORS off. */
    corsOrigins: readonly string[];
  };
  /** The built-in portal and GraphiQL: static files built by `npm run build` into `webDir`. */
  portal: { enabled: boolean; graphiql: boolean; webDir: string; devSignInFile?: string };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  mongodbUri: string;
  /** Indexes and data migrations at instance start (src/db/migrations/). */
  mongodbAutoMigrate: boolean;
  encryption: { activeKey: EncryptionKey; keys: readonly EncryptionKey[] };
  auth: {
    issuer: string;
    audience: string;
    hs256Secret?: string;
    /** Accepted beside `hs256Secret` during a rotation, never used to sign. */
    hs256PreviousSecret?: string;
    jwksUrl?: string;
    /** Longest accepted `exp - iat`, in seconds. */
    maxLifetimeSeconds: number;
  };
  entra: { authorityHost: string; graphBaseUrl: string; caFile?: string };
  sync: {
    pollIntervalMs: number;
    reconcileIntervalMs: number;
    /** Scheduled syncs after failed runs: base, doubled per failure, capped at max. */
    failureBackoff: { baseMs: number; maxMs: number };
    runRetentionDays: number;
    graphMaxConcurrencyPerTenant: number;
    maxConcurrentRuns: number;
    lockTtlMs: number;
    queuePollMs: number;
    idleRecordIntervalMs: number;
    graphRetry: { maxAttempts: number; baseDelayMs: number; maxRetryAfterMs: number };
  };
  pubsub: { mode: 'mongo' | 'memory'; cappedBytes: number };
  realtime: { subscriptionLifetimeMinutes: number; webhookMaxBodyBytes: number };
  graphql: {
    maxTokens: number;
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxDirectives: number;
    /** graphql-ws ping interval (0 = none). */
    wsKeepAliveMs: number;
    introspection: boolean;
    /** "Did you mean ...?" in validation errors (development only: it leaks field names). */
    suggestions: boolean;
  };
  api: { maxBodyBytes: number };
  limits: {
    anonymousPerMinute: number;
    callerPerMinute: number;
    wsConnectionsPerCaller: number;
    wsSubscriptionsPerCaller: number;
    trustedProxyHops: number;
  };
  metrics: { port?: number; bearerToken?: string };
  /** The development explorer page at GET /graphql. */
  explorer: boolean;
  /** The change feed and the outbound webhooks (src/outbound/outbound-settings.ts). */
  outbound: OutboundSettings;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment and maps it onto Config. Over 80 lines on purpose: the body is one
 * object literal that mirrors the Config interface field by field, so a reader sees where every
 * setting comes from in one place; cutting it into helpers would scatter that mapping.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw = blankAsMissing(env);
  const parsed = ENV_SCHEMA.safeParse(raw);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...crossFieldProblems(raw),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const development = e.NODE_ENV === 'development';
  const keys = parseEncryptionKeys(e.ENCRYPTION_KEYS)!;
  const config: Config = {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      ...(e.PUBLIC_BASE_URL ? { publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/$/, '') } : {}),
      ...(e.PORTAL_URL ? { portalUrl: e.PORTAL_URL } : {}),
      corsOrigins: e.CORS_ALLOWED_ORIGINS ?? [],
    },
    portal: {
      enabled: e.PORTAL_ENABLED ?? e.NODE_ENV === 'development',
      graphiql: e.GRAPHIQL_ENABLED ?? e.NODE_ENV !== 'production',
      webDir: path.join(projectRoot(), 'dist', 'web'),
      ...(e.PORTAL_DEV_SIGN_IN_FILE ? { devSignInFile: e.PORTAL_DEV_SIGN_IN_FILE } : {}),
    },
    logLevel: e.LOG_LEVEL,
    mongodbUri: e.MONGODB_URI,
    mongodbAutoMigrate: e.MONGODB_AUTO_MIGRATE ?? e.NODE_ENV !== 'production',
    encryption: { activeKey: keys[0]!, keys },
    auth: authConfig(e),
    entra: {
      authorityHost: e.ENTRA_AUTHORITY_HOST.replace(/\/$/, ''),
      graphBaseUrl: e.GRAPH_BASE_URL.replace(/\/$/, ''),
      ...(e.ENTRA_CA_FILE ? { caFile: e.ENTRA_CA_FILE } : {}),
    },
    sync: {
      pollIntervalMs: e.SYNC_POLL_INTERVAL_MS,
      reconcileIntervalMs: e.SYNC_RECONCILE_INTERVAL_MS,
      failureBackoff: {
        baseMs: e.SYNC_FAILURE_BACKOFF_BASE_MS ?? e.SYNC_POLL_INTERVAL_MS,
        maxMs: e.SYNC_FAILURE_BACKOFF_MAX_MS,
      },
      runRetentionDays: e.SYNC_RUN_RETENTION_DAYS,
      graphMaxConcurrencyPerTenant: e.GRAPH_MAX_CONCURRENCY_PER_TENANT,
      maxConcurrentRuns: e.SYNC_MAX_CONCURRENT_RUNS,
      lockTtlMs: e.SYNC_LOCK_TTL_MS,
      queuePollMs: e.SYNC_QUEUE_POLL_MS,
      idleRecordIntervalMs: e.SYNC_IDLE_RECORD_INTERVAL_MS,
      graphRetry: {
        maxAttempts: e.GRAPH_MAX_ATTEMPTS,
        baseDelayMs: e.GRAPH_RETRY_BASE_MS,
        maxRetryAfterMs: e.GRAPH_MAX_RETRY_AFTER_MS,
      },
    },
    pubsub: { mode: e.PUBSUB_MODE, cappedBytes: e.LIVE_EVENTS_CAPPED_BYTES },
    realtime: {
      subscriptionLifetimeMinutes: e.GRAPH_SUBSCRIPTION_LIFETIME_MINUTES,
      webhookMaxBodyBytes: e.WEBHOOK_MAX_BODY_BYTES,
    },
    graphql: {
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxCost: e.GRAPHQL_MAX_COST,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
      wsKeepAliveMs: e.GRAPHQL_WS_KEEPALIVE_MS,
      introspection: e.GRAPHQL_INTROSPECTION ?? development,
      suggestions: development,
    },
    api: { maxBodyBytes: e.HTTP_MAX_BODY_BYTES },
    limits: {
      anonymousPerMinute: e.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      callerPerMinute: e.RATE_LIMIT_CALLER_PER_MINUTE,
      wsConnectionsPerCaller: e.WS_MAX_CONNECTIONS_PER_CALLER,
      wsSubscriptionsPerCaller: e.WS_MAX_SUBSCRIPTIONS_PER_CALLER,
      trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    },
    metrics: {
      ...(e.METRICS_PORT ? { port: e.METRICS_PORT } : {}),
      ...(e.METRICS_BEARER_TOKEN ? { bearerToken: e.METRICS_BEARER_TOKEN } : {}),
    },
    explorer: development,
    outbound: outboundSettings(e, e.NODE_ENV),
  };
  return deepFreeze(config);
}

function authConfig(e: HubEnv): Config['auth'] {
  return {
    issuer: e.AUTH_JWT_ISSUER,
    audience: e.AUTH_JWT_AUDIENCE,
    ...(e.AUTH_JWT_SECRET ? { hs256Secret: e.AUTH_JWT_SECRET } : {}),
    ...(e.AUTH_JWT_PREVIOUS_SECRET ? { hs256PreviousSecret: e.AUTH_JWT_PREVIOUS_SECRET } : {}),
    ...(e.AUTH_JWKS_URL ? { jwksUrl: e.AUTH_JWKS_URL } : {}),
    maxLifetimeSeconds: e.AUTH_JWT_MAX_LIFETIME_SECONDS,
  };
}

/** Settings of the dev/test database provisioning (scripts/dev and the jest global setup). */
export function loadProvisionConfig(env: NodeJS.ProcessEnv = process.env): ProvisionOptions {
  const raw = blankAsMissing(env);
  const e = PROVISION_SCHEMA.parse(raw);
  const root = projectRoot();
  return {
    ...(raw['MONGODB_URI'] ? { mongodbUri: raw['MONGODB_URI'] } : {}),
    provider: e.HUB_DB_PROVIDER,
    memoryServer: {
      timeoutMs: e.HUB_MEMORY_SERVER_TIMEOUT_MS,
      ...(e.MONGOMS_SYSTEM_BINARY ? { systemBinary: e.MONGOMS_SYSTEM_BINARY } : {}),
      binaryCacheDirs: [
        ...(e.MONGOMS_DOWNLOAD_DIR ? [e.MONGOMS_DOWNLOAD_DIR] : []),
        ...defaultBinaryCacheDirs(root),
      ],
      downloadHost: new URL(e.MONGOMS_DOWNLOAD_MIRROR).hostname,
    },
    ferretDb: {
      sourceDir: path.join(root, 'tools', 'ferretdb'),
      cacheDir: path.join(root, '.cache', 'ferretdb'),
    },
  };
}

/** The repository root: the nearest folder above this module that holds package.json. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above src/config');
    dir = parent;
  }
  return dir;
}

function blankAsMissing(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
