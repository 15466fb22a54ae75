import { SyncRunProblemCode } from '../../domain/sync-run.js';
import type { SelectedGroupState, SyncStateDoc } from '../../db/models/sync-state.model.js';
import { SyncTrigger } from '../../domain/connector.js';
import type { DeltaLinks } from '../../db/models/sync-state.model.js';
import { DeltaReader } from '../../integrations/entra/delta-reader.js';
import {
  FullReader,
  SyncGroupGoneError,
  messageOf,
  rethrowAuth,
} from '../../integrations/entra/full-reader.js';
import type { GraphReader } from '../../integrations/entra/graph-reader.js';
import type { EntraUser } from '../../domain/entra.js';
import { planScheduledDeletes } from '../plan/deprovision.js';
import { ScopeState, type UserObservation } from '../plan/plan.types.js';
import { GuidSet } from '../state/guid-set.js';
import { HashFilter } from '../state/hash-filter.js';
import { trustedManagedUsers } from '../state/sync-state.store.js';
import { listSelectedGroups, type GroupsBefore } from './group-phase.js';
import { settleDeprovisions } from './guard-phase.js';
import type { RunContext } from './run-context.js';
import { processUsers, type FirstSync } from './user-phase.js';

/** Observations handed to the planner at once (a Graph page is up to 999 users). */
const SWEEP_BATCH = 500;

export interface ReadOutcome {
  /** False: something in scope could not be read, so nothing may be deprovisioned. */
  complete: boolean;
  /** The links to save (null: none, the next run is full; undefined: keep the saved ones). */
  links: DeltaLinks | null | undefined;
  /** The guard's base before the run, when known. */
  managedBefore: number | null;
  /** The base after what the run applied so far (deferred changes come on top). */
  managedAfterApplied: () => number | null;
  /** The selected groups' new state entries; null: the groups were not touched. */
  selectedGroups: SelectedGroupState[] | null;
}

export interface FullSyncDeps {
  graph: GraphReader;
  groupConcurrency: number;
  pageSize?: number;
  groupsBefore: () => Promise<GroupsBefore>;
}

/**
 * Every member of the sync group, page by page through plan -> apply, then the users who left
 * (managed users the listing did not show), then the selected groups. Memory holds one page, the
 * ids seen (16 bytes each) and the changes; the directory is read only for the users each page
 * names, and swept only when the counts say someone is missing.
 */
export async function fullSync(
  ctx: RunContext,
  deps: FullSyncDeps,
  state: SyncStateDoc | null,
): Promise<ReadOutcome> {
  const { config, preview } = ctx.request;
  const reader = new FullReader(deps.graph, config.rules.includeNestedGroups, deps.pageSize);
  // Taken before reading: changes made during the read are replayed by the next delta round
  // (the apply is idempotent) instead of being lost.
  const links = preview || config.rules.includeNestedGroups ? null : await startLinks(ctx, deps);
  await reader.syncGroupName(config.syncGroupId);
  const managedBefore = trustedManagedUsers(state) ?? (await ctx.directory.countManaged());
  ctx.phase('start');

  const seen = new GuidSet();
  const scope = new GuidSet();
  let managedSeen = 0;
  let complete = true;
  // A company with no directory user yet: the first sync looks nobody up (see FirstSync).
  const first: FirstSync | null = (await ctx.directory.hasUsers())
    ? null
    : { claimed: new HashFilter() };
  try {
    for await (const page of reader.scopePages(config.syncGroupId)) {
      const result = await processUsers(ctx, unseenMembers(page, seen), first);
      managedSeen += result.managedSeen;
      for (const [id, inScope] of result.scope) if (inScope) scope.add(id);
    }
  } catch (error) {
    if (error instanceof SyncGroupGoneError) throw error;
    rethrowAuth(error);
    complete = false;
    ctx.problem(
      SyncRunProblemCode.GROUP_MEMBERS_UNREADABLE,
      `Reading the sync group members failed after ${seen.size} users (${messageOf(error)}): no user was disabled or deleted in this run.`,
    );
  }
  const listed = complete;
  ctx.phase('users');

  let managedNow: { count: number; atDelta: number } | null = null;
  const reconcile = ctx.request.trigger === SyncTrigger.RECONCILE;
  if (complete && (reconcile || managedSeen !== managedBefore)) {
    const swept = await sweepLeavers(ctx, reader, seen);
    complete = swept.complete;
    managedNow = { count: swept.managed, atDelta: swept.atDelta };
  }
  await deferOffboarding(ctx);
  ctx.phase('leavers');
  await settleDeprovisions(ctx, complete, managedBefore);
  ctx.phase('guard');

  let selectedGroups: SelectedGroupState[] | null = null;
  if (listed) {
    selectedGroups = await listSelectedGroups(
      ctx,
      reader,
      scope,
      await deps.groupsBefore(),
      deps.groupConcurrency,
    );
    ctx.phase('groups');
  } else {
    ctx.notes.push(
      'Selected groups were not updated: the sync group could not be read completely.',
    );
  }
  return {
    complete,
    links: complete ? links : undefined,
    managedBefore,
    managedAfterApplied: () =>
      managedNow
        ? managedNow.count + ctx.managedDelta - managedNow.atDelta
        : managedBefore + ctx.managedDelta,
    selectedGroups,
  };
}

/** The page's users not listed before in this read (paging is not a snapshot), now seen. */
function unseenMembers(page: readonly EntraUser[], seen: GuidSet): UserObservation[] {
  const observations: UserObservation[] = [];
  for (const user of page) {
    if (seen.has(user.id)) continue;
    seen.add(user.id);
    observations.push({ entraId: user.id, state: ScopeState.MEMBER, user });
  }
  return observations;
}

async function startLinks(ctx: RunContext, deps: FullSyncDeps): Promise<DeltaLinks | null> {
  const { config } = ctx.request;
  try {
    return await new DeltaReader(deps.graph).latestLinks([
      config.syncGroupId,
      ...config.syncedGroupIds,
    ]);
  } catch (error) {
    rethrowAuth(error);
    ctx.notes.push(
      `Delta tracking could not start (${messageOf(error)}): the next run is a full sync.`,
    );
    return null;
  }
}

/**
 * The managed users the listing did not show left the sync group: removed, or deleted in Entra
 * (asked of Graph). Counting them on the way gives the exact guard base as well.
 */
async function sweepLeavers(
  ctx: RunContext,
  reader: FullReader,
  seen: GuidSet,
): Promise<{ complete: boolean; managed: number; atDelta: number }> {
  const atDelta = ctx.managedDelta;
  let managed = 0;
  const departed: string[] = [];
  for await (const entraId of ctx.directory.managedEntraIds()) {
    managed += 1;
    if (!seen.has(entraId)) departed.push(entraId);
  }
  if (departed.length === 0) return { complete: true, managed, atDelta };
  let found: Awaited<ReturnType<FullReader['existingUsers']>> | null = null;
  try {
    found = await reader.existingUsers(departed);
  } catch (error) {
    rethrowAuth(error);
    ctx.problem(
      SyncRunProblemCode.LEAVERS_UNREADABLE,
      `Users who left the sync group could not be looked up (${messageOf(error)}): no user was disabled or deleted in this run.`,
    );
  }
  for (let i = 0; i < departed.length; i += SWEEP_BATCH) {
    const observations = departed.slice(i, i + SWEEP_BATCH).map((entraId): UserObservation => {
      const user = found?.get(entraId) ?? null;
      const state = !found ? ScopeState.UNKNOWN : user ? ScopeState.REMOVED : ScopeState.DELETED;
      return { entraId, state, user };
    });
    await processUsers(ctx, observations);
  }
  return { complete: found !== null, managed, atDelta };
}

/** Staged offboarding that fell due, for users this run did not already change. */
async function deferOffboarding(ctx: RunContext): Promise<void> {
  const due = await ctx.directory.offboardingDue(new Date());
  const untouched = due.filter((user) => !ctx.changedIds.has(user.entraId ?? user.id));
  for (const change of planScheduledDeletes(untouched, new Date())) {
    ctx.defer(change, new Map(untouched.map((user) => [user.id, user])));
  }
}
