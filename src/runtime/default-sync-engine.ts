import {
  createSyncEngine,
  type SyncEngine,
  type SyncEngineOptions,
} from '../sync/create-sync-engine.js';
import type { SyncEngineFactory, SyncEnginePorts } from './sync-engine.port.js';

/** What the running service hands the engine unless a test or benchmark says otherwise. */
export function defaultSyncEngineOptions(graphMaxConcurrencyPerTenant: number): SyncEngineOptions {
  return {
    graphMaxConcurrencyPerTenant,
    maxConcurrentRuns: 8,
    // A run renews its lock every third of this; a crashed instance's runs resume after it.
    lockTtlMs: 30_000,
    // Runs queued by another instance (its poll, its webhooks) are found within this.
    queuePollMs: 1_000,
    retry: { maxAttempts: 4, baseDelayMs: 500, maxRetryAfterMs: 60_000 },
  };
}

/** src/sync's engine, started (orphaned runs recovered, queue drained) and stopped with the hub. */
export function syncEngineFactory(
  overrides: Partial<SyncEngineOptions> = {},
): SyncEngineFactory<SyncEnginePorts & { engine: SyncEngine }> {
  return async ({ config, connection, hub, logger }) => {
    const engine = await createSyncEngine({
      connection,
      registry: hub.registry,
      entra: hub.entra,
      live: hub.live,
      logger,
      options: {
        ...defaultSyncEngineOptions(config.sync.graphMaxConcurrencyPerTenant),
        ...overrides,
      },
    });
    await engine.start();
    return {
      engine,
      syncRequester: engine.syncRequester,
      directoryReleaser: engine.directoryReleaser,
      syncActivity: engine.syncActivity,
      runRetention: engine.runRetention,
      close: () => engine.stop(),
    };
  };
}

/** The engine `node dist/src/main.js` runs. */
export const defaultSyncEngine: SyncEngineFactory = syncEngineFactory();
