import type { SelectedGroupState } from '../../db/models/sync-state.model.js';
import type { GroupDelta } from '../../integrations/entra/delta-reader.js';
import { emptyTally, tallyMember, type GroupTally } from '../plan/group-planner.js';
import { inScopeNow } from '../plan/user-planner.js';
import { membersBefore, planAndApply, type FeedGroup, type GroupsBefore } from './group-phase.js';
import type { RunContext } from './run-context.js';

/**
 * A delta round's pass over the selected groups: the users whose scope flipped carry their
 * memberships with them, then each group's reported additions and removals are applied edge by
 * edge. Returns the groups' new state entries.
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

  if (flips.size > 0) {
    // Released groups keep the members they had: only selected groups follow the scope.
    const selected = new Set(ctx.config.syncedGroupIds);
    const moved = new Map<string, Record<'on' | 'off', string[]>>();
    for (const edge of await ctx.memberships.edgesOfUsers([...flips.keys()])) {
      const member = flips.get(edge.userId)!;
      if (edge.inScope === member || !selected.has(edge.groupId)) continue;
      const lists = moved.get(edge.groupId) ?? { on: [], off: [] };
      lists[member ? 'on' : 'off'].push(edge.userId);
      moved.set(edge.groupId, lists);
      tallyMember(tallyOf(edge.groupId), edge.userId, member);
    }
    for (const [groupId, lists] of moved) {
      const group = {
        entraId: groupId,
        name: tallyOf(groupId).name,
        existing: before.existing.get(groupId),
      };
      await ctx.memberWrites(group, lists.on, lists.off, async () => {
        await ctx.memberships.setScope(groupId, lists.on, true);
        await ctx.memberships.setScope(groupId, lists.off, false);
      });
    }
  }

  for (const delta of deltas) {
    const tally = tallyOf(delta.id);
    const entry = entries.get(delta.id) ?? { id: delta.id, name: tally.name, edges: 0, members: 0 };
    if (delta.name !== null) tally.name = delta.name;
    if (delta.removed) {
      tally.gone = true;
      entries.delete(delta.id);
      continue;
    }
    const group = { entraId: delta.id, name: tally.name, existing: before.existing.get(delta.id) };
    entry.edges += await addMembers(ctx, group, [...delta.added], flips, tally);
    entry.edges -= await dropMembers(ctx, group, [...delta.dropped], tally);
    entries.set(delta.id, entry);
  }
  for (const tally of tallies.values()) {
    const entry = entries.get(tally.id);
    if (!entry) continue;
    entry.name = tally.name;
    entry.members = tally.membersAfter;
  }
  await planAndApply(ctx, [...tallies.values()], before.existing, []);
  return [...entries.values()];
}

/** New edges for the added members; returns how many were stored. */
async function addMembers(
  ctx: RunContext,
  group: FeedGroup,
  added: string[],
  flips: ReadonlyMap<string, boolean>,
  tally: GroupTally,
): Promise<number> {
  if (added.length === 0) return 0;
  const groupId = group.entraId;
  const stored = await ctx.memberships.edges(groupId, added);
  const fresh = added.filter((userId) => !stored.has(userId));
  const unknown = fresh.filter((userId) => !flips.has(userId));
  const users = await ctx.directory.usersByEntraId(unknown);
  const inserts = fresh.map((userId) => {
    const user = users.get(userId);
    const inScope = flips.get(userId) ?? (user ? inScopeNow(user, ctx.config.connectorId) : false);
    if (inScope) tallyMember(tally, userId, true);
    return { userId, inScope };
  });
  const joined = inserts.filter((m) => m.inScope).map((m) => m.userId);
  await ctx.memberWrites(group, joined, [], () => ctx.memberships.insert(groupId, inserts));
  return inserts.length;
}

/** Removes the dropped members' edges; returns how many there were. */
async function dropMembers(
  ctx: RunContext,
  group: FeedGroup,
  dropped: string[],
  tally: GroupTally,
): Promise<number> {
  if (dropped.length === 0) return 0;
  const groupId = group.entraId;
  const stored = await ctx.memberships.edges(groupId, dropped);
  const left: string[] = [];
  for (const [userId, inScope] of stored) if (inScope) left.push(userId);
  for (const userId of left) tallyMember(tally, userId, false);
  await ctx.memberWrites(group, [], left, () =>
    ctx.memberships.remove(groupId, [...stored.keys()]),
  );
  return stored.size;
}
