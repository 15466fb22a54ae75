/**
 * A real hub for API tests: its own database, the HTTP + WebSocket server on a free port, the
 * Entra emulator (when asked) reached only through configuration, pino lines captured in memory,
 * and recording fakes for the ports the sync side implements.
 *
 *   const h = await startTestHub({ emulator: true });
 *   const partner = h.jwt({ role: 'PARTNER_ADMIN', partnerId: 'p1' });
 *   const { data } = await h.gql(partner, 'mutation { createCompany(input:{name:"A"}) { id } }');
 *   await h.stop();
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { Connection } from 'mongoose';
import type { Client as WsClient } from 'graphql-ws';
import { loadConfig, type Config } from '../../src/config.js';
import type { SyncMode, SyncTrigger } from '../../src/domain/connector.js';
import { InMemoryLiveEvents } from '../../src/events/live-events.js';
import { createLogger } from '../../src/logging/logger.js';
import { buildApi, listenApi, type Api } from '../../src/runtime/api.js';
import {
  buildEngine,
  enginePorts,
  type EnginePorts,
  type EnginePortsOverride,
} from '../../src/runtime/engine.js';
import { buildInfrastructure, type Infrastructure } from '../../src/runtime/infrastructure.js';
import type { RunningHubServer } from '../../src/server/hub-server.js';
import type { SyncEngine, SyncEngineOptions } from '../../src/sync/create-sync-engine.js';
import { openTestConnection } from './database.js';
import { startTestEmulator, type RunningEmulator } from './emulator.js';
import { gqlAnswer, wsClient, type GqlAnswer } from './graphql.js';
import { TEST_JWT_SECRET, testJwt } from './jwt.js';

export { TEST_JWT_SECRET };
export const PORTAL_URL = 'https://portal.example/connectors';

export interface RecordedSync {
  connectorId: string;
  trigger: SyncTrigger;
  mode?: SyncMode | undefined;
  runId: string;
}

export type GqlResult<T = Record<string, unknown>> = GqlAnswer<T>;

export interface TestHub {
  /** Models, live events, Microsoft clients, the connector registry. */
  infra: Infrastructure;
  /** The real sync engine (started only with `engine: 'real'`). */
  engine: SyncEngine;
  /** What the API was given of the engine: recording fakes unless `engine: 'real'`. */
  ports: EnginePorts;
  api: Api;
  server: RunningHubServer;
  config: Readonly<Config>;
  connection: Connection;
  emulator: RunningEmulator | null;
  /** Every pino line written so far (JSON text). */
  logLines: string[];
  /** Every raw GraphQL HTTP response body so far, for "never returned" scans. */
  responses: string[];
  syncRequests: RecordedSync[];
  /** Errors thrown by `onSyncRequested`. */
  syncHookErrors: unknown[];
  releasedConnectors: string[];
  jwt(
    claims: Record<string, unknown>,
    options?: { expiresIn?: string | number; secret?: string; issuer?: string },
  ): Promise<string>;
  gql<T = Record<string, unknown>>(
    auth: string | null,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GqlResult<T>>;
  ws(auth: string | null): WsClient;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface StartTestHubOptions {
  emulator?: boolean | RunningEmulator;
  env?: Record<string, string>;
  /**
   * Called (not awaited) after each recorded sync request: a test double of the sync engine can
   * report an outcome through the real `infra.registry` here.
   */
  onSyncRequested?: (request: RecordedSync, infra: Infrastructure) => Promise<void>;
  /**
   * `real`: the sync engine runs (sync requests queue real runs). Default: requests are recorded
   * in `syncRequests` and nothing runs; the engine's queries still answer.
   */
  engine?: 'real' | 'recording';
  engineOptions?: Partial<SyncEngineOptions>;
  /** Share this hub's database (e.g. another hub's `connection`) instead of a fresh one. */
  database?: Connection;
}

export async function startTestHub(options: StartTestHubOptions = {}): Promise<TestHub> {
  const emulator =
    options.emulator === true
      ? await startTestEmulator()
      : options.emulator
        ? options.emulator
        : null;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://unused.invalid/hub',
    ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    PUBLIC_BASE_URL: baseUrl,
    PORTAL_URL,
    LOG_LEVEL: 'debug',
    PORT: String(port),
    ...(emulator
      ? {
          ENTRA_AUTHORITY_HOST: emulator.authorityHost,
          GRAPH_BASE_URL: emulator.graphBaseUrl,
          ENTRA_CA_FILE: await emulator.writeCaFile(),
        }
      : {}),
    ...options.env,
  };
  const config = loadConfig(env);
  const logLines: string[] = [];
  const logger = createLogger({
    level: config.logLevel,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  const db = options.database
    ? {
        // A second Connection object on the same database: its own models, nothing dropped.
        connection: options.database.useDb(options.database.name, { useCache: false }),
        close: () => Promise.resolve(),
      }
    : await openTestConnection();
  const syncRequests: RecordedSync[] = [];
  const syncHookErrors: unknown[] = [];
  const releasedConnectors: string[] = [];
  const upkeep = { subscriptionsNeedAttention: () => Promise.resolve() };
  let infra: Infrastructure;
  let engine: SyncEngine;
  let ports: EnginePorts;
  let api: Api;
  let server: RunningHubServer;
  try {
    infra = await buildInfrastructure({
      config,
      connection: db.connection,
      logger,
      live: new InMemoryLiveEvents(),
      upkeep,
    });
    engine = await buildEngine(infra, options.engineOptions);
    if (options.engine === 'real') await engine.start();
    const recorded = recordingPorts(options, () => infra, {
      syncRequests,
      syncHookErrors,
      releasedConnectors,
    });
    ports = enginePorts(engine, options.engine === 'real' ? undefined : recorded);
    api = await buildApi(infra, ports, upkeep);
    server = await listenApi(infra, api, { port });
  } catch (error) {
    await db.close();
    if (options.emulator === true) await emulator?.stop();
    throw error;
  }
  const clients: WsClient[] = [];
  const responses: string[] = [];

  return {
    infra,
    engine,
    ports,
    api,
    server,
    config,
    connection: db.connection,
    emulator,
    logLines,
    responses,
    syncRequests,
    syncHookErrors,
    releasedConnectors,
    jwt(claims, opts = {}) {
      const { issuer, audience } = config.auth;
      return testJwt(claims, { expiresIn: '10m', issuer, audience, ...opts });
    },
    async gql(auth, query, variables) {
      const answer = await gqlAnswer<never>(server.url, auth, query, variables);
      responses.push(answer.raw);
      return answer;
    },
    ws(auth) {
      const client = wsClient(server.url, auth);
      clients.push(client);
      return client;
    },
    async stop() {
      // dispose() rejects with the close event when the connection was refused: already closed.
      for (const client of clients) await Promise.resolve(client.dispose()).catch(() => undefined);
      await server.close();
      await api.outbound.stop();
      await engine.stop();
      await infra.live.close();
      await infra.close();
      await db.close();
      if (options.emulator === true) await emulator?.stop();
    },
  };
}

/** The engine ports of an API test: sync requests and releases recorded, nothing runs. */
function recordingPorts(
  options: StartTestHubOptions,
  infra: () => Infrastructure,
  record: { syncRequests: RecordedSync[]; syncHookErrors: unknown[]; releasedConnectors: string[] },
): EnginePortsOverride {
  return (engine) => ({
    ...engine,
    syncRequester: {
      requestSync(connectorId, trigger, opts) {
        const runId = `run-${record.syncRequests.length + 1}`;
        const request = { connectorId, trigger, mode: opts?.mode, runId };
        record.syncRequests.push(request);
        if (options.onSyncRequested) {
          // After the caller's own write (activation) has returned, as a queued job would run.
          setImmediate(
            () =>
              void options
                .onSyncRequested?.(request, infra())
                .catch((e: unknown) => record.syncHookErrors.push(e)),
          );
        }
        return Promise.resolve({ runId });
      },
    },
    directoryReleaser: {
      releaseConnectorUsers(connectorId) {
        record.releasedConnectors.push(connectorId);
        return Promise.resolve({ released: 0 });
      },
    },
    syncActivity: undefined,
    poller: undefined,
  });
}
