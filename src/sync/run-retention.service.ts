import type { SyncModels } from '../db/models/sync-models.js';
import { SyncRunStatus } from '../domain/sync-run.js';

/** Finished runs (and their change logs) older than the retention go; pending approvals stay. */
export class RunRetentionService {
  constructor(private readonly models: SyncModels) {}

  async deleteRunsOlderThan(cutoff: Date): Promise<number> {
    const runs = await this.models.SyncRun.find(
      {
        finishedAt: { $lt: cutoff },
        status: {
          $in: [
            SyncRunStatus.SUCCEEDED,
            SyncRunStatus.PARTIAL,
            SyncRunStatus.FAILED,
            SyncRunStatus.CANCELLED,
          ],
        },
      },
      { _id: 1 },
    ).lean();
    if (runs.length === 0) return 0;
    const ids = runs.map((run) => run._id);
    await this.models.SyncChangeChunk.deleteMany({
      runId: { $in: ids.map((id) => id.toHexString()) },
    });
    const result = await this.models.SyncRun.deleteMany({ _id: { $in: ids } });
    return result.deletedCount;
  }
}
