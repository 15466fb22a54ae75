import { createHash } from 'node:crypto';
import { currentLinks, type SyncStateDoc } from '../../db/models/sync-state.model.js';
import type { ConnectorSyncConfig } from '../../domain/connector.js';
import { DeltaReader, type DeltaRound } from '../../integrations/entra/delta-reader.js';
import { toEntraUser } from '../../integrations/entra/entra-user.js';
import { FullReader, SyncGroupGoneError } from '../../integrations/entra/full-reader.js';
import { DeltaResetError, type GraphReader } from '../../integrations/entra/graph-reader.js';
import { ScopeState, type UserObservation } from '../plan/plan.types.js';
import type { SyncStateStore } from '../state/sync-state.store.js';
import { trustedManagedUsers } from '../state/sync-state.store.js';
import type { ReadOutcome } from './full-sync.js';
import { applyGroupDeltas } from './group-delta-phase.js';
import type { GroupsBefore } from './group-phase.js';
import { settleDeprovisions } from './guard-phase.js';
import type { RunContext } from './run-context.js';
import { processUsers } from './user-phase.js';

const USER_FIELDS = ['displayName', 'accountEnabled', 'userPrincipalName'];
const BATCH = 500;

export interface DeltaSyncDeps {
  graph: GraphReader;
  states: SyncStateStore;
  groupsBefore: () => Promise<GroupsBefore>;
}

/**
 * One delta round from the saved links: only the users and memberships Entra reports changed
 * are observed, looked up and written. Null when the run must be a full sync instead (no usable
 * delta state; the reason is noted). An idle round saves the moved links and nothing else.
 */
export async function deltaSync(
  ctx: RunContext,
  deps: DeltaSyncDeps,
  state: SyncStateDoc | null,
): Promise<ReadOutcome | null> {
  const { config } = ctx.request;
  if (config.rules.includeNestedGroups) {
    ctx.notes.push('Nested group membership is read with a full sync.');
    return null;
  }
  const from = state ? currentLinks(state) : null;
  if (!state || !from || state.scopeKey !== scopeKey(config)) {
    ctx.notes.push('No delta state for this scope yet: ran a full sync.');
    return null;
  }
  const groupIds = new Set([config.syncGroupId, ...config.syncedGroupIds]);
  let round: DeltaRound;
  try {
    round = await new DeltaReader(deps.graph).round(from, groupIds);
  } catch (error) {
    if (!(error instanceof DeltaResetError)) throw error;
    ctx.notes.push(
      `Microsoft Graph reset the delta state (HTTP ${error.status}): ran a full sync.`,
    );
    await deps.states.clear(config.connectorId);
    return null;
  }
  const links = { users: round.usersDeltaLink, groups: round.groupsDeltaLink };
  if (round.groups.get(config.syncGroupId)?.removed) throw new SyncGroupGoneError();
  const managedBefore = trustedManagedUsers(state);
  const idle = round.groups.size === 0 && round.users.size === 0;
  if (!idle) {
    if (!ctx.request.preview) await deps.states.markPending(config.connectorId, ctx.request.runId);
    ctx.phase('round');
    const observations = await observe(ctx, round, new FullReader(deps.graph, false));
    const flips = new Map<string, boolean>();
    for (let i = 0; i < observations.length; i += BATCH) {
      const result = await processUsers(ctx, observations.slice(i, i + BATCH));
      for (const [id, inScope] of result.flips) flips.set(id, inScope);
    }
    ctx.phase('users');
    const base = await settleDeprovisions(ctx, true, managedBefore);
    ctx.phase('guard');
    const deltas = [...round.groups.values()].filter((g) => g.id !== config.syncGroupId);
    const selectedGroups =
      deltas.length > 0 || flips.size > 0
        ? await applyGroupDeltas(ctx, deltas, flips, await deps.groupsBefore())
        : state.selectedGroups;
    ctx.phase('groups');
    return {
      complete: true,
      links,
      managedBefore,
      managedAfterApplied: () => (base === null ? null : base + ctx.managedDelta),
      selectedGroups,
    };
  }
  return {
    complete: true,
    links,
    managedBefore,
    managedAfterApplied: () => managedBefore,
    selectedGroups: null,
  };
}

/** What the round says of each user, in the planner's terms. */
async function observe(
  ctx: RunContext,
  round: DeltaRound,
  reader: FullReader,
): Promise<UserObservation[]> {
  const { connectorId, syncGroupId } = ctx.request.config;
  const sync = round.groups.get(syncGroupId);
  const known = await ctx.directory.usersByEntraId([...round.users.keys(), ...(sync?.added ?? [])]);
  const observations = new Map<string, UserObservation>();
  const toFetch = new Set<string>();
  for (const id of sync?.dropped ?? []) {
    const change = round.users.get(id);
    observations.set(
      id,
      change && change.raw === null
        ? { entraId: id, state: ScopeState.DELETED, user: null }
        : {
            entraId: id,
            state: ScopeState.REMOVED,
            user: change?.raw ? toEntraUser(change.raw) : null,
          },
    );
  }
  for (const id of sync?.added ?? []) {
    const raw = round.users.get(id)?.raw;
    if (raw && hasAllFields(raw)) {
      observations.set(id, { entraId: id, state: ScopeState.MEMBER, user: toEntraUser(raw) });
    } else toFetch.add(id);
  }
  for (const change of round.users.values()) {
    if (observations.has(change.id) || toFetch.has(change.id)) continue;
    // Changes of users outside the scope are not the directory's business.
    const existing = known.get(change.id);
    if (!existing?.entra?.inScope || existing.connectorId !== connectorId) continue;
    if (change.raw === null) {
      observations.set(change.id, { entraId: change.id, state: ScopeState.DELETED, user: null });
    } else if (hasAllFields(change.raw)) {
      const user = toEntraUser(change.raw);
      observations.set(change.id, { entraId: change.id, state: ScopeState.MEMBER, user });
    } else toFetch.add(change.id);
  }
  if (toFetch.size > 0) {
    const found = await reader.existingUsers([...toFetch]);
    for (const id of toFetch) {
      const user = found.get(id);
      const existing = known.get(id);
      const wasMember = sync?.added.has(id) || existing?.entra?.inScope;
      if (user && wasMember) observations.set(id, { entraId: id, state: ScopeState.MEMBER, user });
      else if (!user && existing) {
        observations.set(id, { entraId: id, state: ScopeState.DELETED, user: null });
      }
    }
  }
  return [...observations.values()];
}

/** What the delta links were taken for: a different scope needs a full sync first. */
export function scopeKey(config: ConnectorSyncConfig): string {
  const r = config.rules;
  return createHash('sha256')
    .update(
      JSON.stringify([
        config.syncGroupId,
        [...config.syncedGroupIds].sort(),
        r.includeNestedGroups,
        r.includeGuests,
      ]),
    )
    .digest('base64url');
}

function hasAllFields(raw: Record<string, unknown>): boolean {
  return USER_FIELDS.every((field) => field in raw);
}
