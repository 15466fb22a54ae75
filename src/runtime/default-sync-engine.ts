import { loggingSyncEngine } from './logging-sync-engine.js';
import type { SyncEngineFactory } from './sync-engine.port.js';

/** The engine `node dist/src/main.js` runs. TODO(sync-engine): src/sync's createSyncEngine. */
export const defaultSyncEngine: SyncEngineFactory = loggingSyncEngine;
