import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defaultBinaryCacheDirs } from './db/provision/memory-server.js';
import type { ProvisionOptions } from './db/provision/provision.js';

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
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),

  /** Where Microsoft can reach this hub (webhooks) and where admin consent returns. */
  PUBLIC_BASE_URL: httpsOrHttpUrl.optional(),
  /**
   * An external portal's page where the browser lands after admin consent (the outcome is
   * appended as query params). Unset: the built-in portal's page when it is on, else a small
   * outcome page served by the hub.
   */
  PORTAL_URL: httpsOrHttpUrl.optional(),
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
  AUTH_JWKS_URL: z.string().url().optional(),

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
  GRAPHQL_MAX_DEPTH: int(2, 50).default(12),
  GRAPHQL_INTROSPECTION: bool.optional(),
  /** Most fields one GraphQL operation may select (fragments expanded). */
  GRAPHQL_MAX_FIELDS: int(10, 10_000).default(500),
  /** Largest GraphQL request body accepted over HTTP; larger ones get 413. */
  HTTP_MAX_BODY_BYTES: int(1_024, 10_485_760).default(102_400),
});

/**
 * Checks across variables. They run even when other variables are invalid (a zod refinement
 * would be skipped then), so the boot message lists every problem at once.
 */
function crossFieldProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env['AUTH_JWT_SECRET'] && !env['AUTH_JWKS_URL']) {
    problems.push('AUTH_JWT_SECRET: set AUTH_JWT_SECRET (HS256) or AUTH_JWKS_URL');
  }
  const keys = env['ENCRYPTION_KEYS'];
  if (keys !== undefined && parseEncryptionKeys(keys) === undefined) {
    problems.push('ENCRYPTION_KEYS: must be comma-separated kid:base64 pairs with 32-byte keys');
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

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface Config {
  env: 'development' | 'test' | 'production';
  http: { host: string; port: number; publicBaseUrl?: string; portalUrl?: string };
  /** The built-in portal and GraphiQL: static files built by `npm run build` into `webDir`. */
  portal: { enabled: boolean; graphiql: boolean; webDir: string; devSignInFile?: string };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  mongodbUri: string;
  encryption: { activeKey: EncryptionKey; keys: readonly EncryptionKey[] };
  auth: { issuer: string; audience: string; hs256Secret?: string; jwksUrl?: string };
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
  graphql: { maxDepth: number; introspection: boolean };
  api: { maxFields: number; maxBodyBytes: number };
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
  const keys = parseEncryptionKeys(e.ENCRYPTION_KEYS)!;
  const config: Config = {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      ...(e.PUBLIC_BASE_URL ? { publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/$/, '') } : {}),
      ...(e.PORTAL_URL ? { portalUrl: e.PORTAL_URL } : {}),
    },
    portal: {
      enabled: e.PORTAL_ENABLED ?? e.NODE_ENV === 'development',
      graphiql: e.GRAPHIQL_ENABLED ?? e.NODE_ENV !== 'production',
      webDir: path.join(projectRoot(), 'dist', 'web'),
      ...(e.PORTAL_DEV_SIGN_IN_FILE ? { devSignInFile: e.PORTAL_DEV_SIGN_IN_FILE } : {}),
    },
    logLevel: e.LOG_LEVEL,
    mongodbUri: e.MONGODB_URI,
    encryption: { activeKey: keys[0]!, keys },
    auth: {
      issuer: e.AUTH_JWT_ISSUER,
      audience: e.AUTH_JWT_AUDIENCE,
      ...(e.AUTH_JWT_SECRET ? { hs256Secret: e.AUTH_JWT_SECRET } : {}),
      ...(e.AUTH_JWKS_URL ? { jwksUrl: e.AUTH_JWKS_URL } : {}),
    },
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
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      introspection: e.GRAPHQL_INTROSPECTION ?? e.NODE_ENV !== 'production',
    },
    api: { maxFields: e.GRAPHQL_MAX_FIELDS, maxBodyBytes: e.HTTP_MAX_BODY_BYTES },
  };
  return deepFreeze(config);
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
    return id && key.length === 32 ? { id, key } : undefined;
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
