import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { SyncRequester } from '../domain/connector.js';
import type { DirectoryReleaser } from '../domain/directory-releaser.js';
import type { Hub } from '../hub.js';
import type { ConnectorPoller, SyncActivity, SyncRunRetention } from '../domain/sync-ports.js';

/** What the sync engine (src/sync) gives the running service. */
export interface SyncEnginePorts {
  syncRequester: SyncRequester;
  directoryReleaser: DirectoryReleaser;
  runRetention: SyncRunRetention;
  /** Lets the poll skip connectors with a run in progress. */
  syncActivity?: SyncActivity;
  /** Polls a connector without a run when Entra has nothing new. */
  poller?: ConnectorPoller;
  /** Waits for (or hands off) runs in progress at shutdown. */
  close?(): Promise<void>;
}

/** What the runtime hands the sync engine: the built hub (registry, Graph clients, live events). */
export interface SyncEngineContext {
  config: Readonly<Config>;
  connection: Connection;
  hub: Hub;
  logger: Logger;
}

export type SyncEngineFactory<P extends SyncEnginePorts = SyncEnginePorts> = (
  context: SyncEngineContext,
) => Promise<P>;
