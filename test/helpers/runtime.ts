/**
 * The hub runtime (src/runtime/start-hub-runtime.ts) started inside the test process: the same
 * wiring as `node dist/src/main.js`, with timings shortened and, unless `realEngine`, a recording
 * sync engine, for tests that need to reach into it (jobs, stores) or replace one of its seams
 * (src/runtime/overrides.ts): an in-memory connector registry, Graph's subscription endpoints.
 */
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { loadConfig } from '../../src/config.js';
import type { ConnectorRegistry } from '../../src/domain/connector.js';
import type { EnginePortsOverride } from '../../src/runtime/engine.js';
import type { GraphSubscriptionsFor } from '../../src/runtime/overrides.js';
import {
  startHubRuntime,
  type HubRuntime,
  type RuntimeTuning,
} from '../../src/runtime/start-hub-runtime.js';
import type { RunningEmulator } from './emulator.js';
import { freePort, TEST_JWT_SECRET } from './hub.js';
import { captureLogger, type CapturedLogger } from './logger.js';
import { RecordingSyncRequester } from './recording-sync.js';

export interface TestRuntime {
  runtime: HubRuntime;
  url: string;
  logs: CapturedLogger;
  syncs: RecordingSyncRequester;
  stop(): Promise<void>;
}

export const FAST_TUNING: RuntimeTuning = {
  processEveryMs: 200,
  lockLifetimeMs: 4_000,
  coalesceMs: 100,
  busMaxAwaitMs: 300,
  drainTimeoutMs: 5_000,
  jobs: { settleMs: 100, maxSettleMs: 1_000, sweepEveryMs: 1_000, sweepQuietMs: 500 },
};

export interface TestRuntimeOptions {
  connection: Connection;
  emulator?: RunningEmulator;
  /** Default true: PUBLIC_BASE_URL is the runtime's own URL, so Graph subscriptions are made. */
  webhooks?: boolean;
  env?: Record<string, string>;
  tuning?: RuntimeTuning;
  /** The sync engine's own ports (runs really happen) instead of the recording requester. */
  realEngine?: boolean;
  /** Share one key set between runtimes on one database. */
  encryptionKeys?: string;
  /** Connectors as the engine, subscriptions and jobs see them (default: the database's). */
  registry?: ConnectorRegistry;
  /** Graph's subscription endpoints (e.g. FakeGraph's client), instead of the emulator's. */
  graphSubscriptions?: GraphSubscriptionsFor;
  instanceName?: string;
}

export async function startTestRuntime(options: TestRuntimeOptions): Promise<TestRuntime> {
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://unused.invalid/hub',
    ENCRYPTION_KEYS: options.encryptionKeys ?? `k1:${randomBytes(32).toString('base64')}`,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    PORT: String(port),
    ...(options.webhooks === false ? {} : { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }),
    ...(options.emulator
      ? {
          ENTRA_AUTHORITY_HOST: options.emulator.authorityHost,
          GRAPH_BASE_URL: options.emulator.graphBaseUrl,
          ENTRA_CA_FILE: await options.emulator.writeCaFile(),
        }
      : {}),
    ...options.env,
  });
  const logs = captureLogger('debug');
  const syncs = new RecordingSyncRequester();
  // By default sync requests are recorded and nothing runs; `realEngine` wires the engine's own.
  const recording: EnginePortsOverride = (engine) => ({
    ...engine,
    syncRequester: syncs,
    directoryReleaser: { releaseConnectorUsers: () => Promise.resolve({ released: 0 }) },
    syncActivity: undefined,
    poller: undefined,
  });
  const runtime = await startHubRuntime({
    config,
    logger: logs.logger,
    connection: options.connection,
    ...(options.realEngine ? {} : { engine: recording, startEngine: false }),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.graphSubscriptions ? { graphSubscriptions: options.graphSubscriptions } : {}),
    ...(options.instanceName ? { instanceName: options.instanceName } : {}),
    // Several runtimes may share this process: prom-client's process metrics are process-wide.
    defaultMetrics: false,
    tuning: { ...FAST_TUNING, ...options.tuning },
  });
  return { runtime, url: runtime.url, logs, syncs, stop: () => runtime.stop() };
}
