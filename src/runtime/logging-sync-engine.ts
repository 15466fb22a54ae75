import { randomUUID } from 'node:crypto';
import type { SyncEngineFactory } from './sync-engine.port.js';

/**
 * Stand-in until the sync engine (src/sync, issue 5) is merged: every request is logged (at
 * `warn`, with the trigger, so tests and operators can see the real-time path reach it) and
 * nothing is synced. Replaced by `createSyncEngine` in start-hub-runtime.ts at merge.
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
