import type { SyncModels } from '../../db/models/sync-models.js';
import { massChangeLimit, type SyncRules } from '../../domain/sync-rules.js';
import { ChangeLogWriter, toEntry } from '../apply/change-log.js';
import { PlanApplier } from '../apply/plan-applier.js';
import { isSilent } from '../plan/group-planner.js';
import type { FactsWrite, PlannedChange } from '../plan/plan.types.js';
import { emptyCounts, type SyncRunCounts } from '../../domain/sync-run.js';
import { ChangeAction, ChangeState, type ChangeEntry } from '../../domain/change.js';

export interface ExecuteInput {
  runId: string;
  companyId: string;
  connectorId: string;
  changes: PlannedChange[];
  facts: FactsWrite[];
  /** False: some scope data could not be read, so disables/deletes are withheld. */
  complete: boolean;
  rules: SyncRules;
  /** Managed, not deleted users before the run (the guard's percentage base). */
  managedUsers: number;
  preview: boolean;
  /** Stops the writes of a run taken over by another instance (see RunRequest.signal). */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  counts: SyncRunCounts;
  changeCount: number;
  withheld: number;
  staged: number;
  /** previewSync: every change with the state it would get. */
  entries: ChangeEntry[];
  applyMs?: number;
  applyUsersMs?: number;
  applyGroupsMs?: number;
  logMs?: number;
}

/** The rails, in order: incomplete data withholds deprovisioning, then the mass-change guard. */
export function classify(
  input: Omit<ExecuteInput, 'runId' | 'preview' | 'facts' | 'companyId' | 'connectorId'>,
): Map<PlannedChange, ChangeState> {
  const states = new Map<PlannedChange, ChangeState>();
  const deprovisions: PlannedChange[] = [];
  for (const change of input.changes) {
    if (change.action === ChangeAction.ERROR) states.set(change, ChangeState.FAILED);
    else if (change.deprovision && !input.complete) states.set(change, ChangeState.SKIPPED);
    else if (change.deprovision) deprovisions.push(change);
    else states.set(change, ChangeState.APPLIED);
  }
  const staged = deprovisions.length > massChangeLimit(input.rules, input.managedUsers);
  for (const change of deprovisions)
    states.set(change, staged ? ChangeState.STAGED : ChangeState.APPLIED);
  return states;
}

export async function executePlan(models: SyncModels, input: ExecuteInput): Promise<ExecuteResult> {
  const states = classify(input);
  const result: ExecuteResult = {
    counts: emptyCounts(),
    changeCount: 0,
    withheld: 0,
    staged: 0,
    entries: [],
  };
  if (input.preview) {
    let seq = 0;
    for (const change of input.changes) {
      if (isSilent(change)) continue;
      const state = states.get(change) ?? ChangeState.APPLIED;
      result.entries.push(
        toEntry(change, seq++, state === ChangeState.APPLIED ? ChangeState.PLANNED : state),
      );
    }
    result.changeCount = seq;
    return result;
  }
  const toApply = input.changes.filter((c) => states.get(c) === ChangeState.APPLIED);
  const applyStarted = performance.now();
  const { failed, usersMs, groupsMs } = await new PlanApplier(
    models,
    input.companyId,
    input.connectorId,
    input.signal,
  ).apply(toApply, input.facts);
  input.signal?.throwIfAborted();
  const logStarted = performance.now();
  const log = new ChangeLogWriter(models.SyncChangeChunk, input.runId);
  for (const change of input.changes) {
    let state = states.get(change) ?? ChangeState.APPLIED;
    const failure = failed.get(change);
    if (failure) state = ChangeState.FAILED;
    if (state === ChangeState.APPLIED && isSilent(change)) continue;
    if (state === ChangeState.APPLIED) countApplied(result.counts, change);
    else if (state === ChangeState.FAILED) result.counts.errors += 1;
    else if (state === ChangeState.STAGED) result.staged += 1;
    else if (state === ChangeState.SKIPPED) result.withheld += 1;
    await log.add(change, state, failure ?? null);
  }
  await log.flush();
  result.applyMs = Math.round(logStarted - applyStarted);
  result.applyUsersMs = usersMs;
  result.applyGroupsMs = groupsMs;
  result.logMs = Math.round(performance.now() - logStarted);
  result.counts.staged = result.staged;
  result.changeCount = log.count;
  return result;
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
    case ChangeAction.GROUP_UPDATE: {
      counts.groupsUpdated += 1;
      const added = change.after?.['membersAdded'];
      const removed = change.after?.['membersRemoved'];
      counts.membershipsAdded += Array.isArray(added) ? added.length : 0;
      counts.membershipsRemoved += Array.isArray(removed) ? removed.length : 0;
      break;
    }
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
