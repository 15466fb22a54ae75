import { randomUUID } from 'node:crypto';
import type { SyncEngineFactory } from './sync-engine.port.js';

/**
 * An engine that syncs nothing and logs every request (at `warn`, with the trigger): for tests
 * and benchmarks that measure the real-time path up to the sync request, without Graph reads.
 */
export const loggingSyncEngine: SyncEngineFactory = ({ logger }) => {
  const log = logger.child({ component: 'sync-engine-stub' });
  return Promise.resolve({
    syncRequester: {
      requestSync(connectorId, trigger, options) {
        const runId = randomUUID();
        log.warn(
          { connectorId, trigger, mode: options?.mode, runId },
          'sync requested (no sync engine wired yet)',
        );
        return Promise.resolve({ runId });
      },
    },
    directoryReleaser: {
      releaseConnectorUsers(connectorId) {
        log.warn({ connectorId }, 'directory release requested (no sync engine wired yet)');
        return Promise.resolve({ released: 0 });
      },
    },
    runRetention: { deleteRunsOlderThan: () => Promise.resolve(0) },
  });
};
