import { z } from 'zod';
import { GRAPHQL, LIMITS, REALTIME, SYNC } from './config-tuning.js';
import { bool, httpsOrHttpUrl, int, secret } from './config-values.js';
import { OUTBOUND_ENV } from './outbound/outbound-settings.js';

/**
 * Every environment variable: its validation, its default and its description (`.describe()`).
 * src/config.ts reads process.env against these; `npm run docs` renders the same objects into
 * docs/reference/configuration.md, so the reference cannot drift from what the hub accepts.
 * Defaults that depend on another variable are `.optional()` here and say so in the description.
 */

const RUNTIME = {
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('production')
    .describe(
      'Unset means production: development conveniences (introspection, explorer, portal) are opt-in.',
    ),
  HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Interface the HTTP/WebSocket server binds.'),
  PORT: int(0, 65535)
    .default(4000)
    .describe('Port of the API, webhooks, health and (unless METRICS_PORT) metrics.'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino level of the JSON log on stdout.'),
};

const DATABASE = {
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
    .describe('The MongoDB database: a mongodb:// or mongodb+srv:// URI.'),
  MONGODB_AUTO_MIGRATE: bool
    .optional()
    .describe(
      'Indexes and data migrations at start. Default: on unless NODE_ENV=production; off: `npm run hub -- migrate` once per deploy, and an instance refuses to start on a database not migrated to its release.',
    ),
};

const ADDRESSES = {
  PUBLIC_BASE_URL: httpsOrHttpUrl
    .optional()
    .describe(
      'Where Microsoft can reach this hub: Graph change notifications (https only) and the admin-consent return (`/azure/callback`). Unset: connectors run on polling alone and `verifyConnection` returns no `consentUrl`.',
    ),
  PORTAL_URL: httpsOrHttpUrl
    .optional()
    .describe(
      "An external portal's page where the browser lands after admin consent (`connectorId`, `result`, `reason` appended). Unset: the built-in portal's page when it is on, else a small outcome page served by the hub.",
    ),
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
    .optional()
    .describe(
      'Origins (scheme://host[:port], comma separated) of portals served elsewhere that call /graphql from a browser: CORS answers their preflight. Unset: no CORS headers at all.',
    ),
  PORTAL_ENABLED: bool
    .optional()
    .describe('The reference admin portal at /portal. Default: on with NODE_ENV=development only.'),
  GRAPHIQL_ENABLED: bool
    .optional()
    .describe('GraphiQL at /graphql for browsers. Default: on unless production.'),
  PORTAL_DEV_SIGN_IN_FILE: z
    .string()
    .optional()
    .describe(
      'Development only: a JSON file of demo sign-ins (`npm run dev` writes it) the portal offers as one-click buttons. Refused in production.',
    ),
};

const SECRETS = {
  ENCRYPTION_KEYS: z
    .string()
    .min(1)
    .describe(
      '`kid:base64key` pairs of random 32-byte keys, comma separated; the first encrypts, all decrypt (key rotation: docs/security.md).',
    ),
  AUTH_JWT_ISSUER: z
    .string()
    .min(1)
    .default('entra-connector-hub')
    .describe('`iss` of portal JWTs.'),
  AUTH_JWT_AUDIENCE: z
    .string()
    .min(1)
    .default('entra-connector-hub')
    .describe('`aud` of portal JWTs.'),
  AUTH_JWT_SECRET: secret
    .optional()
    .describe(
      'HS256 secret of portal JWTs, at least 32 random characters. Exactly one of AUTH_JWT_SECRET and AUTH_JWKS_URL is required.',
    ),
  AUTH_JWT_PREVIOUS_SECRET: secret
    .optional()
    .describe(
      'The secret before the last rotation: still accepted, never used to sign; remove it once the tokens it signed have expired.',
    ),
  AUTH_JWKS_URL: z
    .string()
    .url()
    .optional()
    .describe(
      "The portal's JWKS endpoint (RS256/ES256, keys picked by `kid`), instead of AUTH_JWT_SECRET.",
    ),
  AUTH_JWT_MAX_LIFETIME_SECONDS: int(60, 30 * 86_400)
    .default(86_400)
    .describe('Longest portal JWT accepted (`exp - iat`); a token minted for longer is refused.'),
};

const MICROSOFT = {
  ENTRA_AUTHORITY_HOST: z
    .string()
    .url()
    .default('https://login.microsoftonline.com')
    .describe('Microsoft identity platform (token and admin-consent endpoints).'),
  GRAPH_BASE_URL: z
    .string()
    .url()
    .default('https://graph.microsoft.com')
    .describe('Microsoft Graph.'),
  ENTRA_CA_FILE: z
    .string()
    .optional()
    .describe(
      "Extra PEM CA bundle trusted for Entra and Graph calls (a proxy's or the emulator's).",
    ),
};

const METRICS = {
  METRICS_PORT: int(1, 65535)
    .optional()
    .describe('Serve /metrics on this port of its own instead of PORT.'),
  METRICS_BEARER_TOKEN: secret
    .optional()
    .describe(
      'Require `Authorization: Bearer <this>` on /metrics (at least 32 random characters).',
    ),
};

/** The hub's variables by topic, in the order the reference lists them. */
export const ENV_SECTIONS = [
  { title: 'Runtime', shape: RUNTIME },
  { title: 'Database', shape: DATABASE },
  { title: 'Public addresses, portal and browsers', shape: ADDRESSES },
  { title: 'Secrets and portal authentication', shape: SECRETS },
  { title: 'Microsoft endpoints', shape: MICROSOFT },
  { title: 'Sync', shape: SYNC },
  { title: 'Real time', shape: REALTIME },
  { title: 'GraphQL', shape: GRAPHQL },
  { title: 'Abuse limits', shape: LIMITS },
  { title: 'Metrics', shape: METRICS },
  { title: 'Change feed and outbound webhooks', shape: OUTBOUND_ENV },
] as const;

export const ENV_SCHEMA = z.object({
  ...RUNTIME,
  ...DATABASE,
  ...ADDRESSES,
  ...SECRETS,
  ...MICROSOFT,
  ...SYNC,
  ...REALTIME,
  ...GRAPHQL,
  ...LIMITS,
  ...METRICS,
  ...OUTBOUND_ENV,
});

export type HubEnv = z.infer<typeof ENV_SCHEMA>;

/**
 * The dev and test database provisioning (`npm test`, `npm run dev`, `npm run db`), never read
 * by the hub itself (src/db/provision/).
 */
export const PROVISION_ENV = {
  HUB_DB_PROVIDER: z
    .enum(['auto', 'uri', 'memory-server', 'ferretdb'])
    .default('auto')
    .describe(
      'auto: MONGODB_URI when set, else mongodb-memory-server when a mongod is at hand, else FerretDB; the others force one.',
    ),
  HUB_MEMORY_SERVER_TIMEOUT_MS: int(1_000, 600_000)
    .default(120_000)
    .describe('How long mongodb-memory-server may take to start.'),
  MONGOMS_SYSTEM_BINARY: z
    .string()
    .optional()
    .describe('A local mongod for mongodb-memory-server.'),
  MONGOMS_DOWNLOAD_DIR: z
    .string()
    .optional()
    .describe('Where mongodb-memory-server looks for (and keeps) mongod binaries.'),
  MONGOMS_DOWNLOAD_MIRROR: z
    .string()
    .url()
    .default('https://fastdl.mongodb.org')
    .describe(
      'Where mongodb-memory-server downloads mongod; offline, its host does not resolve and the provider is skipped.',
    ),
};

export const PROVISION_SCHEMA = z.object(PROVISION_ENV);
