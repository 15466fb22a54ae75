import {
  createSyncEngine,
  syncEngineOptions,
  type SyncEngine,
  type SyncEngineOptions,
} from '../sync/create-sync-engine.js';
import type { SyncEngineFactory, SyncEnginePorts } from './sync-engine.port.js';

/** src/sync's engine, started (orphaned runs recovered, queue drained) and stopped with the hub. */
export function syncEngineFactory(
  overrides: Partial<SyncEngineOptions> = {},
): SyncEngineFactory<SyncEnginePorts & { engine: SyncEngine }> {
  return async ({ config, connection, hub, logger }) => {
    const engine = await createSyncEngine({
      connection,
      Connector: hub.models.Connector,
      Company: hub.models.Company,
      registry: hub.registry,
      entra: hub.entra,
      live: hub.live,
      logger,
      options: { ...syncEngineOptions(config), ...overrides },
    });
    // The sync-run and directory queries, previews and approvals of the GraphQL API.
    hub.services.sync = engine.queries;
    await engine.start();
    return {
      engine,
      syncRequester: engine.syncRequester,
      directoryReleaser: engine.directoryReleaser,
      syncActivity: engine.syncActivity,
      poller: engine.poller,
      runRetention: engine.runRetention,
      close: () => engine.stop(),
    };
  };
}

/** The engine `node dist/src/main.js` runs. */
export const defaultSyncEngine: SyncEngineFactory = syncEngineFactory();
