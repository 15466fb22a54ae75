import type { SyncModels } from '../../src/db/models/sync-models.js';
import type { SyncRunDoc } from '../../src/db/models/sync-run.model.js';
import { FINISHED_STATUSES } from '../../src/domain/sync-run.js';
import { waitFor } from './wait.js';

/** Resolves with the run once it has finished (any final status). */
export function waitForRun(
  engine: { models: Pick<SyncModels, 'SyncRun'> },
  runId: string,
  timeoutMs = 60_000,
): Promise<SyncRunDoc> {
  return waitFor(
    async () => {
      const run = await engine.models.SyncRun.findById(runId).lean<SyncRunDoc>();
      return run && FINISHED_STATUSES.includes(run.status) ? run : null;
    },
    timeoutMs,
    `run ${runId} to finish`,
  );
}
