import type { Config } from '../config.js';
import type { SyncRequester } from '../domain/connector.js';
import type { DirectoryReleaser } from '../domain/directory-releaser.js';
import type { ConnectorPoller, SyncActivity, SyncRunRetention } from '../domain/sync-ports.js';
import {
  createSyncEngine,
  type SyncEngine,
  type SyncEngineOptions,
} from '../sync/create-sync-engine.js';
import type { SyncQueryService } from '../sync/sync-query.service.js';
import type { Infrastructure } from './infrastructure.js';

/** What the layers above the engine use of it: the API, the jobs and the receiver. */
export interface EnginePorts {
  syncRequester: SyncRequester;
  directoryReleaser: DirectoryReleaser;
  runRetention: SyncRunRetention;
  /** The runs, change logs, directory, previews and approvals of the GraphQL API. */
  queries: SyncQueryService;
  /** Lets the poll skip connectors with a run in progress. */
  syncActivity?: SyncActivity | undefined;
  /** Polls a connector without a run when Entra has nothing new. */
  poller?: ConnectorPoller | undefined;
}

/**
 * A test or bench seam: given the engine's own ports, the ones the runtime wires instead (e.g. a
 * recording requester). The engine is built and started either way.
 */
export type EnginePortsOverride = (engine: EnginePorts) => EnginePorts;

/** The engine options from the hub configuration (src/config.ts). */
export function syncEngineOptions(config: Readonly<Config>): SyncEngineOptions {
  return {
    graphMaxConcurrencyPerTenant: config.sync.graphMaxConcurrencyPerTenant,
    maxConcurrentRuns: config.sync.maxConcurrentRuns,
    lockTtlMs: config.sync.lockTtlMs,
    queuePollMs: config.sync.queuePollMs,
    idleRecordIntervalMs: config.sync.idleRecordIntervalMs,
    retry: config.sync.graphRetry,
  };
}

/** The second layer: the sync engine, on the infrastructure only. */
export function buildEngine(
  infra: Infrastructure,
  options: Partial<SyncEngineOptions> = {},
): Promise<SyncEngine> {
  return createSyncEngine({
    connection: infra.connection,
    Connector: infra.models.Connector,
    Company: infra.models.Company,
    registry: infra.registry,
    entra: infra.entra,
    live: infra.live,
    logger: infra.logger,
    options: { ...syncEngineOptions(infra.config), ...options },
    feed: infra.feed,
  });
}

export function enginePorts(engine: SyncEngine, override?: EnginePortsOverride): EnginePorts {
  const ports: EnginePorts = {
    syncRequester: engine.syncRequester,
    directoryReleaser: engine.directoryReleaser,
    runRetention: engine.runRetention,
    queries: engine.queries,
    syncActivity: engine.syncActivity,
    poller: engine.poller,
  };
  return override ? override(ports) : ports;
}
