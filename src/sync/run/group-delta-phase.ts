import type { SelectedGroupState } from '../../db/models/sync-state.model.js';
import type { GroupDelta } from '../../integrations/entra/delta-reader.js';
import { emptyTally, tallyMember, type GroupTally } from '../plan/group-planner.js';
import { inScopeNow } from '../plan/user-planner.js';
import { edgeKey, type EdgeRef, type Membership } from '../state/membership-store.js';
import { membersBefore, planAndApply, type GroupsBefore } from './group-phase.js';
import type { MemberChange, MemberGroup, RunContext } from './run-context.js';

/** The edge writes of a round, gathered over every group and written together. */
interface EdgeWrites {
  inserts: Membership[];
  removals: EdgeRef[];
  scopeOn: EdgeRef[];
  scopeOff: EdgeRef[];
}

/**
 * A delta round's pass over the selected groups: the users whose scope flipped carry their
 * memberships with them, then each group's reported additions and removals. The stored edges
 * the round names are read in one pass and every group's edge writes (with their feed events)
 * go out together, so the cost follows the number of changed edges, not of groups.
 * Returns the groups' new state entries.
 */
export async function applyGroupDeltas(
  ctx: RunContext,
  deltas: readonly GroupDelta[],
  flips: ReadonlyMap<string, boolean>,
  before: GroupsBefore,
): Promise<SelectedGroupState[]> {
  const entries = new Map<string, SelectedGroupState>(
    [...before.previous.values()].map((entry) => [entry.id, { ...entry }]),
  );
  const tallies = new Map<string, GroupTally>();
  const tallyOf = (id: string): GroupTally => {
    let tally = tallies.get(id);
    if (!tally) {
      tally = emptyTally(id, entries.get(id)?.name ?? id, membersBefore(id, before));
      tallies.set(id, tally);
    }
    return tally;
  };
  const groupOf = (id: string): MemberGroup => ({
    entraId: id,
    name: tallyOf(id).name,
    existing: before.existing.get(id),
  });
  const writes: EdgeWrites = { inserts: [], removals: [], scopeOn: [], scopeOff: [] };
  const changes: MemberChange[] = [];

  // Released groups keep the members they had: only selected groups follow the scope.
  const selected = new Set(ctx.config.syncedGroupIds);
  if (flips.size > 0) {
    const moved = new Map<string, Record<'on' | 'off', string[]>>();
    for (const edge of await ctx.memberships.edgesOfUsers([...flips.keys()])) {
      const member = flips.get(edge.userId)!;
      if (edge.inScope === member || !selected.has(edge.groupId)) continue;
      const lists = moved.get(edge.groupId) ?? { on: [], off: [] };
      lists[member ? 'on' : 'off'].push(edge.userId);
      moved.set(edge.groupId, lists);
      tallyMember(tallyOf(edge.groupId), edge.userId, member);
      (member ? writes.scopeOn : writes.scopeOff).push(edge);
    }
    for (const [groupId, lists] of moved) {
      changes.push({ group: groupOf(groupId), added: lists.on, removed: lists.off });
    }
  }

  const live = deltas.filter((delta) => !delta.removed);
  const stored = await storedEdges(ctx, live, flips, selected);
  const unknown = new Set<string>();
  for (const delta of live) {
    for (const userId of delta.added) {
      if (!stored.has(edgeKey(delta.id, userId)) && !flips.has(userId)) unknown.add(userId);
    }
  }
  const users = await ctx.directory.usersByEntraId([...unknown]);

  for (const delta of deltas) {
    const tally = tallyOf(delta.id);
    const entry = entries.get(delta.id) ?? { id: delta.id, name: tally.name, edges: 0, members: 0 };
    if (delta.name !== null) tally.name = delta.name;
    if (delta.removed) {
      tally.gone = true;
      entries.delete(delta.id);
      continue;
    }
    const joined: string[] = [];
    for (const userId of delta.added) {
      if (stored.has(edgeKey(delta.id, userId))) continue;
      const user = users.get(userId);
      const inScope =
        flips.get(userId) ?? (user ? inScopeNow(user, ctx.config.connectorId) : false);
      if (inScope) {
        tallyMember(tally, userId, true);
        joined.push(userId);
      }
      writes.inserts.push({ groupId: delta.id, userId, inScope });
      entry.edges += 1;
    }
    const left: string[] = [];
    for (const userId of delta.dropped) {
      const inScope = stored.get(edgeKey(delta.id, userId));
      if (inScope === undefined) continue;
      if (inScope) {
        tallyMember(tally, userId, false);
        left.push(userId);
      }
      writes.removals.push({ groupId: delta.id, userId });
      entry.edges -= 1;
    }
    if (joined.length + left.length > 0) {
      changes.push({ group: groupOf(delta.id), added: joined, removed: left });
    }
    entries.set(delta.id, entry);
  }

  await ctx.memberWritesOf(changes, async () => {
    await ctx.memberships.setScopeAll(writes.scopeOn, true);
    await ctx.memberships.setScopeAll(writes.scopeOff, false);
    await ctx.memberships.insertAll(writes.inserts);
    await ctx.memberships.removeAll(writes.removals);
  });
  for (const tally of tallies.values()) {
    const entry = entries.get(tally.id);
    if (!entry) continue;
    entry.name = tally.name;
    entry.members = tally.membersAfter;
  }
  await planAndApply(ctx, [...tallies.values()], before.existing, []);
  return [...entries.values()];
}

/**
 * The stored edges the round's groups report added or dropped, in one read, as they stand once
 * the scope flips are applied (a flipped user's edges in selected groups take its new scope).
 */
async function storedEdges(
  ctx: RunContext,
  deltas: readonly GroupDelta[],
  flips: ReadonlyMap<string, boolean>,
  selected: ReadonlySet<string>,
): Promise<Map<string, boolean>> {
  const refs: EdgeRef[] = [];
  for (const delta of deltas) {
    for (const userId of delta.added) refs.push({ groupId: delta.id, userId });
    for (const userId of delta.dropped) refs.push({ groupId: delta.id, userId });
  }
  const stored = await ctx.memberships.find(refs);
  for (const { groupId, userId } of refs) {
    const key = edgeKey(groupId, userId);
    const flipped = flips.get(userId);
    if (flipped !== undefined && stored.has(key) && selected.has(groupId)) {
      stored.set(key, flipped);
    }
  }
  return stored;
}
