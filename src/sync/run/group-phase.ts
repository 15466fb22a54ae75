import type { SelectedGroupState } from '../../db/models/sync-state.model.js';
import { SyncTrigger } from '../../domain/connector.js';
import { type FullReader, messageOf, rethrowAuth } from '../../integrations/entra/full-reader.js';
import { isNotFound } from '../../integrations/entra/graph-reader.js';
import {
  emptyTally,
  groupErrorChange,
  planGroup,
  tallyMember,
  type ExistingGroup,
  type GroupTally,
} from '../plan/group-planner.js';
import type { PlannedChange } from '../plan/plan.types.js';
import { GuidSet } from '../state/guid-set.js';
import type { MemberGroup, RunContext } from './run-context.js';

/** The selected groups a run starts from: their directory groups and stored counts. */
export interface GroupsBefore {
  existing: Map<string, ExistingGroup>;
  /** The state's entry per selected group (absent: never listed yet). */
  previous: Map<string, SelectedGroupState>;
}

const NONE_STORED: ReadonlyMap<string, boolean> = new Map();

interface Listed {
  tally: GroupTally;
  state: SelectedGroupState;
  /** A group the run may create: its members in scope, all of them (null otherwise). */
  members: GuidSet | null;
  /** The listing broke off: what was seen is applied, nothing removed. */
  failure: string | null;
}

/**
 * A full sync's pass over the selected groups, after the users: every listing page is compared
 * with the stored edges of those users only, the run's scope decides who is a member, and the
 * edges not seen are swept only when the counts say some are missing. Returns the groups' new
 * state entries.
 */
export async function listSelectedGroups(
  ctx: RunContext,
  reader: FullReader,
  scope: GuidSet,
  before: GroupsBefore,
  concurrency: number,
): Promise<SelectedGroupState[]> {
  const selected = ctx.config.syncedGroupIds;
  const names = await reader.groupNames(selected);
  const gone = new Set(names.gone);
  const changes: PlannedChange[] = [];
  const entries: SelectedGroupState[] = [];
  for (const group of before.existing.values()) {
    if (group.connectorId === ctx.config.connectorId && !selected.includes(group.entraId)) {
      gone.add(group.entraId);
    }
  }
  for (const [id, message] of names.failed) {
    changes.push(groupErrorChange(id, before.existing.get(id)?.name ?? id, message));
    const kept = before.previous.get(id);
    if (kept) entries.push(kept);
  }
  // A company with no edge at all (its first listing) has none of any group to look for.
  const anyStored = before.previous.size > 0 || (await ctx.memberships.hasEdges());
  const queue = [...names.names];
  const tallies: GroupTally[] = [];
  const members = new Map<string, GuidSet>();
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [id, name] = next;
      const listed = await listGroup(ctx, reader, id, name, scope, before, anyStored);
      if (listed === 'gone') {
        gone.add(id);
        continue;
      }
      tallies.push(listed.tally);
      entries.push(listed.state);
      if (listed.members) members.set(id, listed.members);
      if (listed.failure) {
        changes.push(
          groupErrorChange(
            id,
            name,
            `${listed.failure}; the members seen were added, none removed`,
          ),
        );
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    await ctx.memberships.flush();
  }
  for (const id of gone) tallies.push({ ...emptyTally(id, id, 0), gone: true });
  await planAndApply(ctx, tallies, before.existing, changes, members);
  return entries;
}

async function listGroup(
  ctx: RunContext,
  reader: FullReader,
  id: string,
  name: string,
  scope: GuidSet,
  before: GroupsBefore,
  anyStored: boolean,
): Promise<Listed | 'gone'> {
  const previous = before.previous.get(id);
  // Never listed by this connector (newly selected, or selected again after a release): the
  // sweep is needed only if edges are stored from before.
  const leftOver = anyStored && !previous && (await ctx.memberships.hasEdges(id));
  const storedBefore = previous ? previous.edges : leftOver ? -1 : 0;
  // Seen in the database at the run's start, under the run lock (a count in the state could
  // predate a run that stopped half way): no edge to look up, page after page.
  const nothingStored = !previous && storedBefore === 0;
  const tally = emptyTally(id, name, membersBefore(id, before));
  const group = { entraId: id, name, existing: before.existing.get(id) };
  // Not a directory group yet: if the run creates it, its feed events name these members.
  const members = group.existing?.managedBy ? null : new GuidSet();
  const seen = new GuidSet();
  let seenStored = 0;
  let inserted = 0;
  let inScopeSeen = 0;
  let failure: string | null = null;
  try {
    for await (const page of reader.memberPages(id)) {
      const fresh = page.filter((userId) => !seen.has(userId));
      for (const userId of fresh) seen.add(userId);
      const stored = nothingStored ? NONE_STORED : await ctx.memberships.edges(id, fresh);
      const inserts: { userId: string; inScope: boolean }[] = [];
      const moved: Record<'on' | 'off', string[]> = { on: [], off: [] };
      for (const userId of fresh) {
        const member = scope.has(userId);
        if (member) {
          inScopeSeen += 1;
          members?.add(userId);
        }
        const had = stored.get(userId);
        if (had === undefined) {
          inserts.push({ userId, inScope: member });
          if (member) tallyMember(tally, userId, true);
          continue;
        }
        seenStored += 1;
        if (had === member) continue;
        moved[member ? 'on' : 'off'].push(userId);
        tallyMember(tally, userId, member);
      }
      const joined = [...inserts.filter((m) => m.inScope).map((m) => m.userId), ...moved.on];
      await ctx.memberWrites(group, joined, moved.off, async () => {
        // Not a directory group yet: no feed event waits on its edges.
        if (members) await ctx.memberships.insertLater(id, inserts);
        else await ctx.memberships.insert(id, inserts);
        await ctx.memberships.setScope(id, moved.on, true);
        await ctx.memberships.setScope(id, moved.off, false);
      });
      inserted += inserts.length;
    }
  } catch (error) {
    rethrowAuth(error);
    if (isNotFound(error)) return 'gone';
    failure = messageOf(error);
  }
  if (failure) {
    const edges = (previous?.edges ?? 0) + inserted;
    // Edges stored from before may be in scope too: the feed reads them from the store.
    const state = { id, name, edges, members: tally.membersAfter };
    return { tally, state, members: null, failure };
  }
  // Edges stored but not seen are memberships Entra no longer has. The stored count says when
  // there are some, so a listing that matches it (the usual case) reads nothing more; the daily
  // reconcile sweeps anyway, whatever the counts say.
  if (ctx.request.trigger === SyncTrigger.RECONCILE || seenStored !== storedBefore) {
    await sweepUnseen(ctx, group, seen, tally);
  }
  tally.membersAfter = inScopeSeen;
  const state = { id, name, edges: seen.size, members: inScopeSeen };
  return { tally, state, members, failure: null };
}

/** Removes the group's stored edges its listing did not show (those in scope left it). */
async function sweepUnseen(
  ctx: RunContext,
  group: MemberGroup,
  seen: GuidSet,
  tally: GroupTally,
): Promise<void> {
  await ctx.memberships.flush();
  const removed: string[] = [];
  const left: string[] = [];
  for await (const edge of ctx.memberships.groupEdges(group.entraId)) {
    if (seen.has(edge.userId)) continue;
    removed.push(edge.userId);
    if (!edge.inScope) continue;
    left.push(edge.userId);
    tallyMember(tally, edge.userId, false);
  }
  await ctx.memberWrites(group, [], left, () => ctx.memberships.remove(group.entraId, removed));
}

export function membersBefore(id: string, before: GroupsBefore): number {
  return before.previous.get(id)?.members ?? before.existing.get(id)?.memberCount ?? 0;
}

export async function planAndApply(
  ctx: RunContext,
  tallies: readonly GroupTally[],
  existing: ReadonlyMap<string, ExistingGroup>,
  changes: PlannedChange[],
  /** Listed groups' members in scope (see Listed.members), handed to created groups' events. */
  members: ReadonlyMap<string, GuidSet> = new Map(),
): Promise<void> {
  for (const tally of tallies) {
    const change = planGroup(tally, existing.get(tally.id) ?? null, ctx.config.connectorId);
    if (!change) continue;
    const listed = members.get(tally.id);
    if (listed && change.write?.kind === 'insertGroup') change.write.members = listed;
    changes.push(change);
  }
  await ctx.applyAndLog(changes, [], new Map());
}
