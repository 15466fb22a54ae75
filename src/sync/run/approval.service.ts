import { Types } from 'mongoose';
import type { ChangeFeed } from '../../feed/change-feed.js';
import type { FeedChangeInput, FeedWriter } from '../../feed/feed-writer.js';
import { type SyncRunDoc } from '../../db/models/sync-run.model.js';
import type { SyncModels } from '../../db/models/sync-models.js';
import { pack, unpack } from '../../db/models/packed.js';
import { AppError, ErrorCode, notFound } from '../../domain/errors.js';
import { countApplied } from '../apply/run-log.js';
import type { RunLock } from './run-lock.js';
import type { RunPublisher } from './run-publisher.js';
import type { DirectoryUserStatus } from '../../domain/directory.js';
import { ApprovalState, SyncRunStatus, type SyncRunCounts } from '../../domain/sync-run.js';
import { ChangeAction, ChangeState, type ChangeEntry } from '../../domain/change.js';

const LOCK_WAIT_MS = 10_000;

/**
 * approveSyncRun / rejectSyncRun: the staged disables/deletes of a NEEDS_APPROVAL run are applied
 * (each only if the user is still in the status it was planned from) or dropped.
 */
export class ApprovalService {
  constructor(
    private readonly models: SyncModels,
    private readonly lock: RunLock,
    private readonly publisher: RunPublisher,
    private readonly feed?: ChangeFeed,
  ) {}

  /** The run that staged the changes may still be releasing the lock: wait a little. */
  private async acquire(connectorId: string, runId: string): Promise<boolean> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (await this.lock.acquire(connectorId, `approval:${runId}`)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async decide(runId: string, approve: boolean, decidedBy: string): Promise<SyncRunDoc> {
    const id = /^[0-9a-f]{24}$/i.test(runId) ? new Types.ObjectId(runId) : null;
    const run = id ? await this.models.SyncRun.findById(id).lean<SyncRunDoc>() : null;
    if (!run) throw notFound('Sync run');
    if (
      run.status !== SyncRunStatus.NEEDS_APPROVAL ||
      run.approval?.state !== ApprovalState.PENDING
    ) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `This run does not await approval (status ${run.status}${run.approval ? `, ${run.approval.state}` : ''})`,
      );
    }
    if (!(await this.acquire(run.connectorId, runId))) {
      throw new AppError(
        ErrorCode.CONFLICT,
        'A sync of this connector is running; try again when it ends',
      );
    }
    try {
      const now = new Date();
      const { companyId, connectorId } = run;
      const feed = this.feed?.writer({ companyId, connectorId, runId }) ?? null;
      await feed?.recover();
      const { counts, deleted } = await this.settleStaged(runId, run.counts, approve, now, feed);
      if (deleted > 0) {
        // The guard's base (managed users not deleted) the runs keep in the sync state.
        await this.models.SyncState.updateOne(
          { _id: run.connectorId, managedUsers: { $ne: null } },
          { $inc: { managedUsers: -deleted } },
        );
      }
      counts.staged = 0;
      const updated = await this.models.SyncRun.findOneAndUpdate(
        { _id: run._id, status: SyncRunStatus.NEEDS_APPROVAL },
        {
          $set: {
            status: approve
              ? counts.errors > 0
                ? SyncRunStatus.PARTIAL
                : SyncRunStatus.SUCCEEDED
              : SyncRunStatus.CANCELLED,
            counts,
            approval: {
              state: approve ? ApprovalState.APPROVED : ApprovalState.REJECTED,
              decidedAt: now,
              decidedBy,
            },
          },
          $push: {
            notes: approve
              ? `Staged changes approved by ${decidedBy}.`
              : `Staged changes rejected by ${decidedBy}; the next full sync proposes them again if Entra still says so.`,
          },
        },
        { returnDocument: 'after' },
      ).lean<SyncRunDoc>();
      if (!updated) throw new AppError(ErrorCode.CONFLICT, 'The run changed meanwhile; reload it');
      await this.publisher.updated(updated);
      return updated;
    } finally {
      await this.lock.release(run.connectorId);
    }
  }

  /** Applies (or rejects) each staged entry, chunk by chunk; returns the counts that result. */
  private async settleStaged(
    runId: string,
    before: SyncRunCounts,
    approve: boolean,
    now: Date,
    feed: FeedWriter | null,
  ): Promise<{ counts: SyncRunCounts; deleted: number }> {
    const counts = { ...before };
    let deleted = 0;
    const chunks = await this.models.SyncChangeChunk.find({ runId, staged: { $gt: 0 } }).lean();
    for (const chunk of chunks) {
      const stored = unpack(chunk.entries);
      const entries: ChangeEntry[] = [];
      // The approved changes are announced in the feed like a run's (staged, written, committed).
      const inputs = new Map<ChangeEntry, FeedChangeInput>();
      for (const entry of stored) {
        if (approve && entry.state === ChangeState.STAGED && entry.pending) {
          inputs.set(entry, { ...entry, write: { kind: 'updateUser', id: entry.pending.userId } });
        }
      }
      const staged = feed ? await feed.stageChanges([...inputs.values()]) : null;
      const skipped = new Set<FeedChangeInput>();
      for (const entry of stored) {
        const decided = await this.decideEntry(entry, approve, now);
        const input = inputs.get(entry);
        if (input && decided.state !== ChangeState.APPLIED) skipped.add(input);
        if (decided.state === ChangeState.APPLIED && entry.state === ChangeState.STAGED) {
          countApplied(counts, entry);
          if (entry.action === ChangeAction.DELETE) deleted += 1;
        }
        entries.push(decided);
      }
      await staged?.commit((input) => skipped.has(input));
      await this.models.SyncChangeChunk.updateOne(
        { _id: chunk._id },
        { $set: { entries: pack(entries), staged: 0 } },
      );
    }
    return { counts, deleted };
  }

  /** One entry: untouched unless STAGED; applied only if the user is as it was planned from. */
  private async decideEntry(entry: ChangeEntry, approve: boolean, now: Date): Promise<ChangeEntry> {
    if (entry.state !== ChangeState.STAGED) return entry;
    if (!approve || !entry.pending) return { ...entry, state: ChangeState.REJECTED, pending: null };
    const result = await this.models.DirectoryUser.updateOne(
      {
        _id: new Types.ObjectId(entry.pending.userId),
        status: entry.pending.expectStatus as DirectoryUserStatus,
      },
      { $set: { ...entry.pending.set, updatedAt: now } },
    );
    if (result.matchedCount === 1) return { ...entry, state: ChangeState.APPLIED, pending: null };
    return {
      ...entry,
      state: ChangeState.SKIPPED,
      pending: null,
      message: 'The user changed after the run was planned; nothing was done.',
    };
  }
}
