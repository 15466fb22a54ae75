import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultBinaryCacheDirs } from './db/provision/memory-server.js';
import type { ProvisionOptions } from './db/provision/provision.js';
import {
  OUTBOUND_ENV,
  outboundSettings,
  type OutboundSettings,
} from './outbound/outbound-settings.js';

/**
 * The only reader of process.env. `loadConfig` validates everything at boot and refuses to start
 * with one message listing every missing or invalid variable. `.env.example` documents each.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const httpsOrHttpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'must be http(s)');

const schema = z.object({
  /** Unset means production: development conveniences (introspection, explorer) are opt-in. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  /**
   * Indexes and data migrations at start (default: on unless production). Off: `npm run hub --
   * migrate` once per deploy, and an instance refuses to start on a database not migrated.
   */
  MONGODB_AUTO_MIGRATE: bool.optional(),

  /** Where Microsoft can reach this hub (webhooks) and where admin consent returns. */
  PUBLIC_BASE_URL: httpsOrHttpUrl.optional(),
  /**
   * An external portal's page where the browser lands after admin consent (the outcome is
   * appended as query params). Unset: the built-in portal's page when it is on, else a small
   * outcome page served by the hub.
   */
  PORTAL_URL: httpsOrHttpUrl.optional(),
  /**
   * Origins (scheme://host[:port], comma separated) of portals served elsewhere that call
   * /graphql from a browser: CORS answers their preflight. Unset: no CORS headers at all.
   */
  CORS_ALLOWED_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o.length > 0),
    )
    .pipe(
      z.array(
        z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin is scheme://host[:port], no path'),
      ),
    )
    .optional(),
  /** The reference admin portal at /portal (default: on in development, off otherwise). */
  PORTAL_ENABLED: bool.optional(),
  /** GraphiQL at /graphql for browsers (default: on unless production). */
  GRAPHIQL_ENABLED: bool.optional(),
  /**
   * Development only: a JSON file of demo sign-ins (`npm run dev` writes it) that the portal
   * offers as one-click buttons. Refused in production.
   */
  PORTAL_DEV_SIGN_IN_FILE: z.string().optional(),

  /** `kid:base64key` pairs (32-byte keys), comma separated; the first one encrypts. */
  ENCRYPTION_KEYS: z.string().min(1),

  AUTH_JWT_ISSUER: z.string().min(1).default('entra-connector-hub'),
  AUTH_JWT_AUDIENCE: z.string().min(1).default('entra-connector-hub'),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The secret before the last rotation: still accepted, never used to sign. */
  AUTH_JWT_PREVIOUS_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWKS_URL: z.string().url().optional(),
  /** Longest portal JWT accepted (`exp - iat`); a token minted for longer is refused. */
  AUTH_JWT_MAX_LIFETIME_SECONDS: int(60, 30 * 86_400).default(86_400),

  ENTRA_AUTHORITY_HOST: z.string().url().default('https://login.microsoftonline.com'),
  GRAPH_BASE_URL: z.string().url().default('https://graph.microsoft.com'),
  /** Extra PEM CA bundle trusted for Entra and Graph calls (a proxy's or the emulator's). */
  ENTRA_CA_FILE: z.string().optional(),

  SYNC_POLL_INTERVAL_MS: int(1_000, 86_400_000).default(60_000),
  SYNC_RECONCILE_INTERVAL_MS: int(60_000, 30 * 86_400_000).default(86_400_000),
  /**
   * After a failed run, scheduled syncs of that connector wait this long, doubled per failure...
   * Default: the poll interval, so one failure alone does not change the connector's cadence.
   */
  SYNC_FAILURE_BACKOFF_BASE_MS: int(1_000, 86_400_000).optional(),
  /** ...up to this long. Synchronize Now and new credentials never wait. */
  SYNC_FAILURE_BACKOFF_MAX_MS: int(1_000, 7 * 86_400_000).default(3_600_000),
  SYNC_RUN_RETENTION_DAYS: int(1, 3650).default(90),
  GRAPH_MAX_CONCURRENCY_PER_TENANT: int(1, 64).default(4),
  /** Sync runs one hub instance executes at once (each for a different connector). */
  SYNC_MAX_CONCURRENT_RUNS: int(1, 256).default(4),
  /** A run's lock lapses this long after its instance stops renewing it (killed process). */
  SYNC_LOCK_TTL_MS: int(5_000, 3_600_000).default(30_000),
  /** How often each instance looks for runs queued elsewhere and for orphaned runs. */
  SYNC_QUEUE_POLL_MS: int(100, 600_000).default(1_000),
  /**
   * An idle poll (Entra reported nothing) writes nothing unless the connector's check was last
   * recorded this long ago: then it records the time and moves its delta links on (15 minutes).
   */
  SYNC_IDLE_RECORD_INTERVAL_MS: int(0, 86_400_000).default(900_000),
  /** Attempts per Graph request (429 with Retry-After, 5xx, network) before a run gives up. */
  GRAPH_MAX_ATTEMPTS: int(1, 20).default(6),
  /** First backoff after a 5xx or network failure; doubled per attempt. */
  GRAPH_RETRY_BASE_MS: int(10, 60_000).default(500),
  /** A Retry-After longer than this fails the request instead of waiting. */
  GRAPH_MAX_RETRY_AFTER_MS: int(1_000, 3_600_000).default(120_000),
  /** `mongo` shares live status across hub instances; `memory` is for one instance only. */
  PUBSUB_MODE: z.enum(['mongo', 'memory']).default('mongo'),
  /** Size of the `live_events` capped collection that carries live status between instances. */
  LIVE_EVENTS_CAPPED_BYTES: int(65_536, 1_073_741_824).default(33_554_432),
  /** Graph caps user/group subscriptions at 41,760 minutes; stay a little under it. */
  GRAPH_SUBSCRIPTION_LIFETIME_MINUTES: int(45, 41_760).default(41_000),
  /** Largest Graph notification body the receiver reads; larger ones get 413. */
  WEBHOOK_MAX_BODY_BYTES: int(1_024, 16_777_216).default(1_048_576),
  /** GraphQL cost limits (GraphQL Armor), the same over HTTP and WebSocket. */
  GRAPHQL_MAX_TOKENS: int(100, 100_000).default(1_000),
  GRAPHQL_MAX_DEPTH: int(2, 50).default(12),
  // A portal page of 20 runs with their counts costs between 5,000 and 10,000 (first: 20 multiplies).
  GRAPHQL_MAX_COST: int(100, 1_000_000).default(20_000),
  GRAPHQL_MAX_ALIASES: int(0, 1_000).default(15),
  GRAPHQL_MAX_DIRECTIVES: int(0, 1_000).default(20),
  /**
   * graphql-ws keep-alive: a WebSocket ping to every client this often, and a socket that has
   * not answered the previous one by then is dropped (0 = no pings). Keeps idle live-event
   * connections open through proxies and load balancers that close quiet ones.
   */
  GRAPHQL_WS_KEEPALIVE_MS: int(0, 300_000).default(12_000),
  /** Default: on with NODE_ENV=development only; never in production. */
  GRAPHQL_INTROSPECTION: bool.optional(),
  /** Largest GraphQL request body accepted over HTTP; larger ones get 413. */
  HTTP_MAX_BODY_BYTES: int(1_024, 10_485_760).default(102_400),

  /** Abuse limits, counted in the database so every instance shares them (0 = no limit). */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: int(0, 1_000_000).default(120),
  RATE_LIMIT_CALLER_PER_MINUTE: int(0, 1_000_000).default(600),
  WS_MAX_CONNECTIONS_PER_CALLER: int(0, 10_000).default(20),
  WS_MAX_SUBSCRIPTIONS_PER_CALLER: int(0, 10_000).default(100),
  /** Proxies in front of the hub whose X-Forwarded-For entries are trusted (0 = none). */
  TRUSTED_PROXY_HOPS: int(0, 10).default(0),

  /** /metrics on a port of its own (not on PORT) ... */
  METRICS_PORT: int(1, 65535).optional(),
  /** ... and/or only with `Authorization: Bearer <this>`. */
  METRICS_BEARER_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  ...OUTBOUND_ENV,
});

/** Variables that hold secrets: refused when they look like a placeholder or a sentence. */
const SECRET_VARIABLES = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PREVIOUS_SECRET',
  'METRICS_BEARER_TOKEN',
] as const;

/** Placeholder words seen in templates; a real secret is random and contains none of them. */
const PLACEHOLDER =
  /replace|change[-_ ]?me|changeit|placeholder|your[-_ ]|example|secret[-_]?here|<[^>]*>|\$\{|todo|xxxx/i;

/**
 * Why a secret value is not a secret, or null. Catches what a half-edited `.env` produces: a
 * comment kept as the value (compose keeps `# ...` after `=` without a space before it), prose,
 * a template's placeholder, or a repeated character that passes a length check.
 */
export function secretValueProblem(value: string): string | null {
  if (value.startsWith('#')) return 'starts with "#": a comment was read as the value';
  if (/\s/.test(value)) return 'contains whitespace: prose or a comment, not a secret';
  if (PLACEHOLDER.test(value)) return 'looks like a placeholder: generate a random value';
  if (new Set(value).size < 10) return 'has too few distinct characters to be random';
  return null;
}

/**
 * Checks across variables. They run even when other variables are invalid (a zod refinement
 * would be skipped then), so the boot message lists every problem at once.
 */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env['AUTH_JWT_SECRET'] && !env['AUTH_JWKS_URL']) {
    problems.push('AUTH_JWT_SECRET: set AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL');
  }
  if (env['AUTH_JWT_SECRET'] && env['AUTH_JWKS_URL']) {
    // Either would silently win over the other; the operator must say which one is meant.
    problems.push(
      'AUTH_JWT_SECRET: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both (AUTH_JWKS_URL is set too)',
    );
  }
  problems.push(...previousSecretProblems(env));
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    const problem = value === undefined ? null : secretValueProblem(value);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  const keys = env['ENCRYPTION_KEYS'];
  if (keys !== undefined && parseEncryptionKeys(keys) === undefined) {
    problems.push(
      'ENCRYPTION_KEYS: must be comma-separated kid:base64 pairs of random 32-byte keys',
    );
  }
  if (env['NODE_ENV'] === 'production' || env['NODE_ENV'] === undefined) {
    if (/^(true|1|yes)$/.test(env['GRAPHQL_INTROSPECTION'] ?? '')) {
      problems.push('GRAPHQL_INTROSPECTION: introspection is never served in production');
    }
  }
  const base = Number(
    env['SYNC_FAILURE_BACKOFF_BASE_MS'] ?? env['SYNC_POLL_INTERVAL_MS'] ?? 60_000,
  );
  const max = Number(env['SYNC_FAILURE_BACKOFF_MAX_MS'] ?? 3_600_000);
  if (Number.isFinite(base) && Number.isFinite(max) && max < base) {
    problems.push('SYNC_FAILURE_BACKOFF_MAX_MS: must be at least SYNC_FAILURE_BACKOFF_BASE_MS');
  }
  if (env['PORTAL_DEV_SIGN_IN_FILE'] && env['NODE_ENV'] === 'production') {
    problems.push('PORTAL_DEV_SIGN_IN_FILE: demo sign-ins are for development only');
  }
  return problems;
}

/** The rotation secret only makes sense beside a different HS256 secret. */
function previousSecretProblems(env: Record<string, string | undefined>): string[] {
  const previous = env['AUTH_JWT_PREVIOUS_SECRET'];
  if (previous === undefined) return [];
  if (env['AUTH_JWKS_URL']) {
    return ['AUTH_JWT_PREVIOUS_SECRET: only with AUTH_JWT_SECRET (a JWKS rotates by its keys)'];
  }
  if (previous === env['AUTH_JWT_SECRET']) {
    return ['AUTH_JWT_PREVIOUS_SECRET: must differ from AUTH_JWT_SECRET'];
  }
  return [];
}

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const raw = blankAsMissing(env);
  const parsed = schema.safeParse(raw);
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

function authConfig(e: z.infer<typeof schema>): Config['auth'] {
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
  const e = blankAsMissing(env);
  const provider = z
    .enum(['auto', 'uri', 'memory-server', 'ferretdb'])
    .default('auto')
    .parse(e['HUB_DB_PROVIDER']);
  const root = projectRoot();
  return {
    ...(e['MONGODB_URI'] ? { mongodbUri: e['MONGODB_URI'] } : {}),
    provider,
    memoryServer: {
      timeoutMs: int(1_000, 600_000).default(120_000).parse(e['HUB_MEMORY_SERVER_TIMEOUT_MS']),
      ...(e['MONGOMS_SYSTEM_BINARY'] ? { systemBinary: e['MONGOMS_SYSTEM_BINARY'] } : {}),
      binaryCacheDirs: [
        ...(e['MONGOMS_DOWNLOAD_DIR'] ? [e['MONGOMS_DOWNLOAD_DIR']] : []),
        ...defaultBinaryCacheDirs(root),
      ],
      downloadHost: new URL(e['MONGOMS_DOWNLOAD_MIRROR'] ?? 'https://fastdl.mongodb.org').hostname,
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

function parseEncryptionKeys(raw: string): EncryptionKey[] | undefined {
  const keys = raw.split(',').map((pair) => {
    const [id, b64] = pair.trim().split(':');
    const key = Buffer.from(b64 ?? '', 'base64');
    // A random 32-byte key has ~30 distinct byte values; a pattern (all zeros, a word) has few.
    return id && key.length === 32 && new Set(key).size >= 16 ? { id, key } : undefined;
  });
  if (keys.length === 0 || keys.some((k) => k === undefined)) return undefined;
  const valid = keys as EncryptionKey[];
  return new Set(valid.map((k) => k.id)).size === valid.length ? valid : undefined;
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
