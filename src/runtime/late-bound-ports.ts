import type { SyncRequester } from '../domain/connector.js';
import type { DirectoryReleaser } from '../domain/directory-releaser.js';
import type { SyncEnginePorts } from './sync-engine.port.js';

/**
 * The hub needs a SyncRequester when it is built, and the sync engine needs the built hub
 * (registry, Graph clients, live events). These forwarders break the cycle: the hub gets them,
 * the engine is bound once it exists, before the HTTP server or any job can call them.
 */
export class LateBoundSyncPorts {
  private engine: SyncEnginePorts | undefined;

  readonly syncRequester: SyncRequester = {
    requestSync: (connectorId, trigger, options) =>
      this.bound().syncRequester.requestSync(connectorId, trigger, options),
  };

  readonly directoryReleaser: DirectoryReleaser = {
    releaseConnectorUsers: (connectorId) =>
      this.bound().directoryReleaser.releaseConnectorUsers(connectorId),
  };

  bind(engine: SyncEnginePorts): void {
    this.engine = engine;
  }

  private bound(): SyncEnginePorts {
    if (!this.engine) throw new Error('the sync engine is not started yet');
    return this.engine;
  }
}
