import { ChangeAction, ChangeState, type ChangeEntry } from '../../domain/change.js';
import { emptyCounts, type SyncRunCounts } from '../../domain/sync-run.js';
import { isSilent } from '../plan/planned-change.js';
import type { PlannedChange } from '../plan/plan.types.js';
import { toEntry, type ChangeLogWriter } from './change-log.js';

/**
 * What a run did, change by change: the counts, and the change log (a preview keeps the entries
 * instead, as PLANNED). A silent change (a count or fact refresh) is neither counted nor logged.
 */
export class RunLog {
  readonly counts: SyncRunCounts = emptyCounts();
  readonly entries: ChangeEntry[] = [];
  staged = 0;
  withheld = 0;
  private seq = 0;

  /** `writer` null: a preview. */
  constructor(private readonly writer: ChangeLogWriter | null) {}

  get changeCount(): number {
    return this.writer ? this.writer.count : this.seq;
  }

  async record(change: PlannedChange, state: ChangeState, failure?: string | null): Promise<void> {
    if (state === ChangeState.APPLIED && isSilent(change)) return;
    if (state === ChangeState.APPLIED) countApplied(this.counts, change);
    else if (state === ChangeState.FAILED) this.counts.errors += 1;
    else if (state === ChangeState.STAGED) this.staged += 1;
    else if (state === ChangeState.SKIPPED) this.withheld += 1;
    this.counts.staged = this.staged;
    if (this.writer) {
      await this.writer.add(change, state, failure ?? null);
      return;
    }
    const planned = state === ChangeState.APPLIED ? ChangeState.PLANNED : state;
    this.entries.push(toEntry(change, this.seq, planned, failure ?? null));
    this.seq += 1;
  }

  async flush(): Promise<void> {
    await this.writer?.flush();
  }
}

export function countApplied(
  counts: SyncRunCounts,
  change: { action: ChangeAction; after: Record<string, unknown> | null },
): void {
  switch (change.action) {
    case ChangeAction.CREATE:
      counts.usersCreated += 1;
      break;
    case ChangeAction.CREATE_PENDING_APPROVAL:
      counts.usersPending += 1;
      break;
    case ChangeAction.LINK:
    case ChangeAction.UPDATE:
      counts.usersUpdated += 1;
      break;
    case ChangeAction.ENABLE:
      counts.usersEnabled += 1;
      break;
    case ChangeAction.DISABLE:
      counts.usersDisabled += 1;
      break;
    case ChangeAction.DELETE:
      counts.usersDeleted += 1;
      break;
    case ChangeAction.GROUP_CREATE:
      counts.groupsCreated += 1;
      counts.membershipsAdded += Number(change.after?.['members'] ?? 0);
      break;
    case ChangeAction.GROUP_UPDATE:
      counts.groupsUpdated += 1;
      counts.membershipsAdded += Number(change.after?.['membersAddedCount'] ?? 0);
      counts.membershipsRemoved += Number(change.after?.['membersRemovedCount'] ?? 0);
      break;
    case ChangeAction.GROUP_REMOVE:
      counts.groupsRemoved += 1;
      break;
    case ChangeAction.ERROR:
      counts.errors += 1;
      break;
    default: {
      const unreachable: never = change.action;
      throw new Error(`unknown action ${String(unreachable)}`);
    }
  }
}
